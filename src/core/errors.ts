// The one table of error codes. Every error that crosses a boundary (REST, gRPC, CLI) is a
// MeshworkError with one of these codes; each transport has one mapper that reads the
// table. Unknown errors become INTERNAL with the original kept as `cause`.

export interface InvalidParameter {
  /** Path of the offending field, Kuma style: `spec.to[0].default.http.requestTimeout`. */
  field: string;
  reason: string;
}

/** gRPC status codes used by the table (numeric values of grpc.status). */
const Grpc = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export const ERROR_CODES = {
  INVALID_RESOURCE: { http: 400, grpc: Grpc.INVALID_ARGUMENT, title: 'Bad Request' },
  BAD_REQUEST: { http: 400, grpc: Grpc.INVALID_ARGUMENT, title: 'Bad Request' },
  MESH_NOT_FOUND: { http: 400, grpc: Grpc.FAILED_PRECONDITION, title: 'Bad Request' },
  UNAUTHENTICATED: { http: 401, grpc: Grpc.UNAUTHENTICATED, title: 'Unauthorized' },
  FORBIDDEN: { http: 403, grpc: Grpc.PERMISSION_DENIED, title: 'Forbidden' },
  NOT_FOUND: { http: 404, grpc: Grpc.NOT_FOUND, title: 'Not Found' },
  READ_ONLY: { http: 405, grpc: Grpc.FAILED_PRECONDITION, title: 'Method Not Allowed' },
  ALREADY_EXISTS: { http: 409, grpc: Grpc.ALREADY_EXISTS, title: 'Conflict' },
  VERSION_CONFLICT: { http: 409, grpc: Grpc.ABORTED, title: 'Conflict' },
  REVISION_COMPACTED: { http: 410, grpc: Grpc.OUT_OF_RANGE, title: 'Gone' },
  RESOURCE_TOO_LARGE: { http: 413, grpc: Grpc.RESOURCE_EXHAUSTED, title: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: Grpc.INVALID_ARGUMENT, title: 'Unsupported Media Type' },
  /** A proxy's Envoy admin could not be reached or failed (inspect stats/clusters/config dump). */
  PROXY_UNREACHABLE: { http: 502, grpc: Grpc.UNAVAILABLE, title: 'Bad Gateway' },
  /** Global cannot forward to the zone a resource lives in: the zone is not connected. */
  ZONE_UNREACHABLE: { http: 503, grpc: Grpc.UNAVAILABLE, title: 'Service Unavailable' },
  /** A forwarded request got no answer in time. */
  UPSTREAM_TIMEOUT: { http: 504, grpc: Grpc.DEADLINE_EXCEEDED, title: 'Gateway Timeout' },
  STORE_UNAVAILABLE: { http: 503, grpc: Grpc.UNAVAILABLE, title: 'Service Unavailable' },
  STORE_RESET: { http: 503, grpc: Grpc.UNAVAILABLE, title: 'Service Unavailable' },
  INTERNAL: { http: 500, grpc: Grpc.INTERNAL, title: 'Internal Server Error' },
} as const satisfies Record<string, { http: number; grpc: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class MeshworkError extends Error {
  readonly code: ErrorCode;
  readonly invalidParameters: InvalidParameter[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { invalidParameters?: InvalidParameter[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshworkError';
    this.code = code;
    this.invalidParameters = options.invalidParameters ?? [];
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get grpcStatus(): number {
    return ERROR_CODES[this.code].grpc;
  }
}

export function isMeshworkError(err: unknown, code?: ErrorCode): err is MeshworkError {
  return err instanceof MeshworkError && (code === undefined || err.code === code);
}

/** Any thrown value as a MeshworkError; unknown errors become INTERNAL with `cause`. */
export function toMeshworkError(err: unknown): MeshworkError {
  if (err instanceof MeshworkError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MeshworkError('INTERNAL', `internal error: ${message}`, { cause: err });
}

/**
 * The Kuma REST error body: `{type, status, title, detail, invalid_parameters}`, Kuma's
 * deprecated `details` and `causes` (older clients read those), plus our code.
 */
export interface RestErrorBody {
  type: '/std-errors';
  status: number;
  title: string;
  detail: string;
  code: ErrorCode;
  invalid_parameters?: InvalidParameter[];
  details: string;
  causes?: { field: string; message: string }[];
}

export function toRestError(err: unknown): RestErrorBody {
  const e = toMeshworkError(err);
  const body: RestErrorBody = {
    type: '/std-errors',
    status: e.httpStatus,
    title: ERROR_CODES[e.code].title,
    detail: e.message,
    code: e.code,
    details: e.message,
  };
  if (e.invalidParameters.length > 0) {
    body.invalid_parameters = e.invalidParameters;
    body.causes = e.invalidParameters.map((p) => ({ field: p.field, message: p.reason }));
  }
  return body;
}

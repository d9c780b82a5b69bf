import * as grpc from '@grpc/grpc-js';
import { isMeshworkError, type ErrorCode, MeshworkError } from './errors.ts';

// The one gRPC error mapper (the REST one is errors.ts's toRestError): errors that cross a gRPC
// boundary (the DP server, KDS) are ServiceErrors whose status comes from the error table.

/** A gRPC error with this status and message (the `details` grpc-js sends). */
export function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }) as grpc.ServiceError;
}

/** A Meshwork error code as the gRPC error the table maps it to. */
export function grpcErrorOf(code: ErrorCode, message: string): grpc.ServiceError {
  return toGrpcError(new MeshworkError(code, message));
}

/**
 * Any thrown value as a gRPC error: a MeshworkError with its table status, a gRPC error as it
 * is, anything else INTERNAL.
 */
export function toGrpcError(err: unknown): grpc.ServiceError {
  if (isMeshworkError(err)) return grpcError(err.grpcStatus, err.message);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (err instanceof Error && typeof code === 'number' && code in grpc.status) return err as grpc.ServiceError;
  return grpcError(grpc.status.INTERNAL, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

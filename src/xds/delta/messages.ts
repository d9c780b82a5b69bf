// Envoy's delta discovery messages (envoy.service.discovery.v3), as @grpc/proto-loader
// decodes them with keepCase. KDS and Envoy's delta ADS both speak these.

export interface Any {
  type_url: string;
  value: Buffer;
}

export interface Status {
  code: number;
  message: string;
}

export interface Node {
  id: string;
  cluster?: string;
  metadata?: unknown;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: Any;
}

export interface DeltaDiscoveryRequest {
  node?: Node | null;
  type_url: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: Status | null;
}

export interface DeltaDiscoveryResponse {
  system_version_info?: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

/** Size of a resource on the wire, near enough for chunking (protobuf overhead included). */
export function wireSize(r: DeltaResource): number {
  return r.name.length + r.version.length + r.resource.type_url.length + r.resource.value.length + 32;
}

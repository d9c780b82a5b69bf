// targetRef as builders and plugins read it (its schema, with each policy's allowed kinds, is
// policies/core/target-ref.ts).

export const TARGET_REF_KINDS = [
  'Mesh',
  'MeshSubset',
  'MeshService',
  'MeshServiceSubset',
  'Dataplane',
  'MeshHTTPRoute',
  'MeshExternalService',
  'MeshMultiZoneService',
  'MeshGateway',
] as const;

export type TargetRefKind = (typeof TARGET_REF_KINDS)[number];

export interface TargetRef {
  kind: TargetRefKind;
  name?: string;
  namespace?: string;
  mesh?: string;
  tags?: Record<string, string>;
  labels?: Record<string, string>;
  sectionName?: string;
  proxyTypes?: ('Sidecar' | 'Gateway')[];
}

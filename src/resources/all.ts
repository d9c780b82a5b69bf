import { POLICY_TYPES } from '../policies/index.ts';
import { ResourceRegistry } from './registry.ts';
import { DataplaneType } from './types/dataplane.ts';
import { DataplaneInsightType, ZoneIngressInsightType, ZoneInsightType } from './types/insights.ts';
import { MeshType } from './types/mesh.ts';
import { GlobalSecretType, SecretType } from './types/secret.ts';
import { ZoneType } from './types/zone.ts';
import { ZoneIngressType } from './types/zone-ingress.ts';
import { MeshOpenTelemetryBackendType } from './types/mesh-opentelemetry-backend.ts';
import { MeshServiceType } from './types/mesh-service.ts';
import { HostnameGeneratorType } from './types/hostname-generator.ts';

/** The registry with every type Meshwork knows; built once per process. */
export function createRegistry(): ResourceRegistry {
  const registry = new ResourceRegistry();
  for (const d of [MeshType, DataplaneType, ZoneIngressType, ZoneType, SecretType, GlobalSecretType, DataplaneInsightType, ZoneInsightType, ZoneIngressInsightType, MeshOpenTelemetryBackendType, MeshServiceType, HostnameGeneratorType]) {
    registry.register(d);
  }
  for (const p of POLICY_TYPES) registry.register(p);
  return registry;
}

export const registry: ResourceRegistry = createRegistry();

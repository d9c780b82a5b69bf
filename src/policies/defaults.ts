import { isMeshworkError } from '../core/errors.ts';
import type { Resource } from '../resources/resource.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import type { ResourceStore } from '../store/store.ts';

// The policies Kuma creates with every new mesh (pkg/defaults/mesh), with its names and
// values: timeouts for sidecars and gateways, connection limits and retries on every
// outbound. `skipCreatingInitialPolicies` on the Mesh skips them: `["*"]` all, or by type.
// They are created once, with the mesh, on global or a standalone zone (zones get them by
// KDS); a default deleted or changed afterwards stays so.

const mesh = { kind: 'Mesh' } as const;
const backOff = { baseInterval: '25ms', maxInterval: '250ms' };

export function defaultPolicies(meshName: string): { type: string; name: string; spec: object }[] {
  return [
    {
      type: 'MeshTimeout',
      name: `mesh-gateways-timeout-all-${meshName}`,
      spec: {
        targetRef: { ...mesh, proxyTypes: ['Gateway'] },
        from: [{ targetRef: mesh, default: { idleTimeout: '5m', http: { streamIdleTimeout: '5s', requestHeadersTimeout: '500ms' } } }],
        to: [{ targetRef: mesh, default: { idleTimeout: '1h', http: { streamIdleTimeout: '5s' } } }],
      },
    },
    {
      type: 'MeshTimeout',
      name: `mesh-timeout-all-${meshName}`,
      spec: {
        targetRef: { ...mesh, proxyTypes: ['Sidecar'] },
        // Inbound: longer than the outbound side's, or off.
        from: [{ targetRef: mesh, default: { connectionTimeout: '10s', idleTimeout: '2h', http: { requestTimeout: '0s', streamIdleTimeout: '1h', maxStreamDuration: '0s' } } }],
        to: [{ targetRef: mesh, default: { connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '15s', streamIdleTimeout: '30m' } } }],
      },
    },
    {
      type: 'MeshCircuitBreaker',
      name: `mesh-circuit-breaker-all-${meshName}`,
      spec: { targetRef: mesh, to: [{ targetRef: mesh, default: { connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 } } }] },
    },
    {
      type: 'MeshRetry',
      name: `mesh-retry-all-${meshName}`,
      spec: {
        targetRef: mesh,
        to: [{ targetRef: mesh, default: { tcp: { maxConnectAttempt: 5 }, http: { numRetries: 5, perTryTimeout: '16s', backOff }, grpc: { numRetries: 5, perTryTimeout: '16s', backOff } } }],
      },
    },
  ];
}

/** Creates the default policies of a mesh that was just created; returns the names created. */
export async function createDefaultPolicies(store: ResourceStore, created: Resource<MeshSpec>): Promise<string[]> {
  const skip = created.spec.skipCreatingInitialPolicies ?? [];
  if (skip.includes('*')) return [];
  const names: string[] = [];
  for (const p of defaultPolicies(created.name)) {
    if (skip.includes(p.type)) continue;
    try {
      await store.create({ type: p.type, mesh: created.name, name: p.name, labels: {}, spec: p.spec });
      names.push(p.name);
    } catch (err) {
      if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
    }
  }
  return names;
}

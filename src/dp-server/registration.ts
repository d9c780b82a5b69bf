import type { IncomingMessage } from 'node:http';
import type { ResourceKey } from '../resources/resource.ts';
import { z } from 'zod';
import { MeshworkError, isMeshworkError } from '../core/errors.ts';
import { nameSchema, port } from '../resources/common.ts';
import { parseDocument } from '../resources/document.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { dataplaneTagSet, withZoneTag, type DataplaneSpec } from '../resources/types/dataplane.ts';
import { checkTags, type DataplaneTokenClaims } from '../tokens/dataplane-token.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { zodIssuesToParameters } from '../resources/validation.ts';
import type { ResourceStore } from '../store/store.ts';
import { upsert } from '../store/upsert.ts';
import { computeLabels } from '../resources/computed-labels.ts';
import { envoyBootstrap } from './bootstrap.ts';

// POST /bootstrap: meshwork-dp registers its Dataplane (Universal: the proxy brings its own
// resource) and gets the Envoy bootstrap back. Dataplanes registered this way carry the
// lifecycle label and are removed after their proxy has been gone for the grace period.

export const LIFECYCLE_LABEL = 'meshwork.io/lifecycle';

const request = z.strictObject({
  mesh: nameSchema,
  name: nameSchema,
  proxyType: z.enum(['dataplane', 'ingress'], { error: 'must be dataplane or ingress' }).default('dataplane'),
  dataplane: z.record(z.string(), z.unknown(), { error: 'must be a Dataplane resource' }),
  dataplaneToken: z.string().optional(),
  adminPort: port,
  caCert: z.string().optional(),
  delta: z.boolean().optional(),
  version: z.string().optional(),
});

export interface BootstrapDeps {
  /** This zone's name, written into the ZoneIngresses it registers. */
  zone: string;
  /** A named zone's name: the `kuma.io/zone` tag of the inbounds of the Dataplanes it registers. */
  zoneTag?: string;
  /** Checks a zone ingress token (undefined: auth is off). */
  checkIngressToken?: (token: string | undefined) => Promise<void>;
  /** Checks the proxy's dataplane token (undefined: auth is off) and returns its claims. */
  checkToken?: (token: string | undefined, proxy: { mesh: string; name: string; type: string }) => Promise<DataplaneTokenClaims>;
  store: ResourceStore;
  registry: ResourceRegistry;
  maxResourceBytes: number;
  version: string;
  cpPort: () => number;
}

async function assertMeshExists(store: ResourceStore, mesh: string): Promise<void> {
  try {
    await store.get({ type: 'Mesh', name: mesh });
  } catch (err) {
    if (isMeshworkError(err, 'NOT_FOUND')) throw new MeshworkError('MESH_NOT_FOUND', `mesh "${mesh}" does not exist`, { invalidParameters: [{ field: 'mesh', reason: `mesh "${mesh}" does not exist` }] });
    throw err;
  }
}

/** Validates a zone ingress resource and stores it as this zone's, keeping its computed services. */
export async function registerZoneIngress(deps: Pick<BootstrapDeps, 'store' | 'registry' | 'maxResourceBytes' | 'zone'>, name: string, doc: Record<string, unknown>, adminPort: number): Promise<ZoneIngressSpec> {
  let input;
  try {
    input = parseDocument({ ...doc, type: 'ZoneIngress', name, zone: deps.zone, availableServices: undefined }, deps.registry, { maxBytes: deps.maxResourceBytes }).input;
  } catch (err) {
    if (isMeshworkError(err)) throw new MeshworkError(err.code, `invalid ZoneIngress: ${err.message}`, { invalidParameters: err.invalidParameters.map((p) => ({ ...p, field: `dataplane.${p.field}` })) });
    throw err;
  }
  const spec = input.spec as ZoneIngressSpec;
  spec.networking.admin = { ...spec.networking.admin, port: adminPort };
  const labels = computeLabels(deps.registry.get('ZoneIngress'), { labels: input.labels, spec }, { mode: 'zone', zone: deps.zone });
  await upsert(deps.store, { ...input, labels: { ...labels, [LIFECYCLE_LABEL]: 'dp' } }, (existing) => {
    const services = (existing?.spec as ZoneIngressSpec | undefined)?.availableServices;
    if (services) spec.availableServices = services;
  });
  return spec;
}

/**
 * Validates a proxy's Dataplane and stores it as registered by a proxy (lifecycle label).
 * `token`: the claims of the proxy's dataplane token; the Dataplane's tags must fit them.
 */
export async function registerDataplane(deps: Pick<BootstrapDeps, 'store' | 'registry' | 'maxResourceBytes' | 'zoneTag'>, mesh: string, name: string, dataplane: Record<string, unknown>, adminPort: number, token?: DataplaneTokenClaims): Promise<DataplaneSpec> {
  const doc: Record<string, unknown> = { ...dataplane, type: 'Dataplane' };
  const mismatches = (['mesh', 'name'] as const).filter((f) => doc[f] !== undefined && doc[f] !== { mesh, name }[f]).map((f) => ({ field: `dataplane.${f}`, reason: `must match the proxy's ${f} "${{ mesh, name }[f]}"` }));
  if (mismatches.length > 0) throw new MeshworkError('INVALID_RESOURCE', 'the Dataplane does not match the proxy', { invalidParameters: mismatches });
  let input;
  try {
    input = parseDocument({ ...doc, mesh, name }, deps.registry, { maxBytes: deps.maxResourceBytes }).input;
  } catch (err) {
    if (isMeshworkError(err)) throw new MeshworkError(err.code, `invalid Dataplane: ${err.message}`, { invalidParameters: err.invalidParameters.map((p) => ({ ...p, field: `dataplane.${p.field}` })) });
    throw err;
  }
  const spec = withZoneTag(input.spec as DataplaneSpec, deps.zoneTag, 'dataplane');
  if (token) checkTags(token.tags, dataplaneTagSet(spec));
  spec.networking.admin = { ...spec.networking.admin, port: adminPort };
  await assertMeshExists(deps.store, mesh);
  const labels = computeLabels(deps.registry.get('Dataplane'), { mesh, labels: input.labels, spec }, { mode: 'zone', zone: deps.zoneTag });
  await upsert(deps.store, { ...input, spec, labels: { ...labels, [LIFECYCLE_LABEL]: 'dp' } });
  return spec;
}

/** The bootstrap for the proxy, and what was registered for it (its node id and resource). */
export async function handleBootstrap(deps: BootstrapDeps, body: unknown, req: IncomingMessage): Promise<{ status: number; body: unknown; registered: { nodeId: string; key: ResourceKey } }> {
  const parsed = request.safeParse(body ?? {});
  if (!parsed.success) throw new MeshworkError('BAD_REQUEST', 'invalid bootstrap request', { invalidParameters: zodIssuesToParameters(parsed.error) });
  const r = parsed.data;
  const host = (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (r.proxyType === 'ingress') {
    await deps.checkIngressToken?.(r.dataplaneToken);
    const ingress = await registerZoneIngress(deps, r.name, r.dataplane, r.adminPort);
    return {
      status: 200,
      registered: { nodeId: r.name, key: { type: 'ZoneIngress', name: r.name } },
      body: { bootstrap: envoyBootstrap({ mesh: '', name: r.name, dataplane: { networking: { address: '' } } as DataplaneSpec, ingress, adminPort: r.adminPort, cpHost: host, cpPort: deps.cpPort(), ...(r.caCert ? { caCert: r.caCert } : {}), ...(r.dataplaneToken ? { token: r.dataplaneToken } : {}), ...(r.delta ? { delta: true } : {}), version: deps.version, ...(r.version ? { dpVersion: r.version } : {}) }) },
    };
  }
  await assertMeshExists(deps.store, r.mesh);
  const claims = await deps.checkToken?.(r.dataplaneToken, { mesh: r.mesh, name: r.name, type: r.proxyType });
  const spec = await registerDataplane(deps, r.mesh, r.name, r.dataplane, r.adminPort, claims);
  return {
    status: 200,
    registered: { nodeId: `${r.mesh}.${r.name}`, key: { type: 'Dataplane', mesh: r.mesh, name: r.name } },
    body: {
      bootstrap: envoyBootstrap({
        mesh: r.mesh,
        name: r.name,
        dataplane: spec,
        adminPort: r.adminPort,
        cpHost: host,
        cpPort: deps.cpPort(),
        ...(r.caCert ? { caCert: r.caCert } : {}),
        ...(r.dataplaneToken ? { token: r.dataplaneToken } : {}),
        ...(r.delta ? { delta: true } : {}),
        version: deps.version,
        ...(r.version ? { dpVersion: r.version } : {}),
      }),
    },
  };
}

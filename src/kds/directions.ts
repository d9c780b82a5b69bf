import type { ResourceTypeDescriptor } from '../resources/descriptor.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import type { Resource, ResourceInput } from '../resources/resource.ts';
import { GLOBAL_ONLY_SECRETS } from '../resources/types/secret.ts';
import { publicKeyPem } from '../tokens/signing-key.ts';
import { KDS_VERSION_LABEL, type Envelope } from './envelope.ts';
import { DISPLAY_NAME_LABEL, hashedName, ORIGIN_LABEL, ZONE_LABEL } from './naming.ts';

// What crosses KDS in each direction and how it is renamed and labelled, as in Kuma:
//  global → zone: Mesh, Secret, GlobalSecret (never global-only secrets), global-origin
//    policies (hash-suffixed, kuma.io/origin: global, kuma.io/display-name), and the
//    ZoneIngresses of *other* enabled zones (cross-zone).
//  zone → global: Dataplane, DataplaneInsight, ZoneIngress, ZoneIngressInsight and
//    zone-origin policies; global hash-suffixes them (mesh + name + zone), labels them
//    kuma.io/origin: zone and kuma.io/zone: <the stream's zone> (never what the zone claims),
//    and overwrites ZoneIngress.zone likewise.
// Zone and ZoneInsight are never synced. Nothing goes back to the zone it came from.

export function downTypes(registry: ResourceRegistry): ResourceTypeDescriptor[] {
  return registry.all().filter((d) => d.kds === 'down' || d.kds === 'policy' || d.name === 'ZoneIngress');
}

export function upTypes(registry: ResourceRegistry): ResourceTypeDescriptor[] {
  return registry.all().filter((d) => d.kds === 'up' || d.kds === 'policy');
}

const isZoneOrigin = (r: { labels: Record<string, string> }) => r.labels[ORIGIN_LABEL] === 'zone';

function stripVersion(labels: Record<string, string>): Record<string, string> {
  if (!(KDS_VERSION_LABEL in labels)) return labels;
  const { [KDS_VERSION_LABEL]: _v, ...rest } = labels;
  return rest;
}

/**
 * The envelope global sends to `zone` for a stored resource, or undefined if the
 * resource does not go to that zone.
 */
export function toZone(d: ResourceTypeDescriptor, r: Resource, zone: string, enabledZones: ReadonlySet<string>): Envelope | undefined {
  if (d.name === 'ZoneIngress') {
    const from = r.labels[ZONE_LABEL];
    if (!from || from === zone || !enabledZones.has(from)) return undefined;
    // Marked global-origin in the receiving zone, so that zone never sends it back up.
    return { meta: { name: r.name, labels: { ...stripVersion(r.labels), [ORIGIN_LABEL]: 'global' } }, spec: r.spec };
  }
  if (d.name === 'GlobalSecret') {
    // As Kuma: zones get the public half of global's zone-token signing key (to check the
    // tokens of their zone proxies), never the key itself.
    const publicKey = /^zone-token-signing-key-(\d+)$/.exec(r.name);
    if (publicKey) {
      const pem = publicKeyOf((r.spec as { data?: string }).data);
      // A key that is not one (never written by Meshwork) is not sent at all.
      return pem ? { meta: { name: `zone-token-signing-public-key-${publicKey[1]}`, labels: { ...r.labels, [ORIGIN_LABEL]: 'global' } }, spec: { data: Buffer.from(pem).toString('base64') } } : undefined;
    }
    if (GLOBAL_ONLY_SECRETS.some((re) => re.test(r.name))) return undefined;
  }
  // Policies, and the types synced as policies are (MeshOpenTelemetryBackend).
  if (d.kds === 'policy') {
    if (isZoneOrigin(r)) return undefined;
    return {
      meta: { name: hashedName(r.mesh ?? '', r.name), mesh: r.mesh!, labels: { ...r.labels, [ORIGIN_LABEL]: 'global', [DISPLAY_NAME_LABEL]: r.name } },
      spec: r.spec,
    };
  }
  if (d.kds !== 'down') return undefined;
  return { meta: { name: r.name, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}), labels: { ...r.labels, [ORIGIN_LABEL]: 'global' } }, spec: r.spec };
}

/**
 * The public half of a signing key, by the key's data: every push to every zone asks for it,
 * and parsing an RSA key is milliseconds. Keys are few and rotate rarely; a rotated key's
 * entry goes when the map holds more than a few.
 */
const publicKeys = new Map<string, string | undefined>();
function publicKeyOf(data: string | undefined): string | undefined {
  if (!data) return undefined;
  if (publicKeys.has(data)) return publicKeys.get(data);
  let pem: string | undefined;
  try {
    pem = publicKeyPem(data);
  } catch {
    pem = undefined;
  }
  if (publicKeys.size >= 16) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(data, pem);
  return pem;
}

/** Whether a zone sends this stored resource up (never what came down from global). */
export function goesUp(d: ResourceTypeDescriptor, r: Resource): boolean {
  if (r.labels[ORIGIN_LABEL] === 'global') return false;
  if (d.kds === 'policy') return isZoneOrigin(r);
  return d.kds === 'up';
}

export function upEnvelope(r: Resource): Envelope {
  return { meta: { name: r.name, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}), labels: r.labels }, spec: r.spec };
}

/** What global stores for a resource received from `zone`. */
export function fromZone(d: ResourceTypeDescriptor, env: Envelope, zone: string, version: string): ResourceInput {
  const name = env.meta.name;
  const input: ResourceInput = {
    type: d.name,
    name: hashedName(env.meta.mesh ?? '', name, zone),
    labels: { ...env.meta.labels, [ORIGIN_LABEL]: 'zone', [ZONE_LABEL]: zone, [DISPLAY_NAME_LABEL]: name, [KDS_VERSION_LABEL]: version },
    spec: d.name === 'ZoneIngress' ? { ...(env.spec as object), zone } : env.spec,
  };
  if (d.scope === 'mesh') input.mesh = env.meta.mesh ?? '';
  return input;
}

/** What a zone stores for a resource received from global. */
export function fromGlobal(d: ResourceTypeDescriptor, env: Envelope, version: string): ResourceInput {
  const input: ResourceInput = { type: d.name, name: env.meta.name, labels: { ...env.meta.labels, [KDS_VERSION_LABEL]: version }, spec: env.spec };
  if (d.scope === 'mesh') input.mesh = env.meta.mesh ?? '';
  return input;
}

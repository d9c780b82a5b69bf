import { MeshworkError } from '../core/errors.ts';
import type { ResourceTypeDescriptor } from './descriptor.ts';
import { DISPLAY_NAME_LABEL, ENV_LABEL, MESH_LABEL, ORIGIN_LABEL, PROXY_TYPE_LABEL, ZONE_LABEL } from './labels.ts';

// The labels Kuma's control plane adds to what it stores (Kuma: pkg/core/resources/labels,
// Compute), computed on every write made for a user or a proxy:
//   kuma.io/mesh         every mesh-scoped resource, if not set
//   kuma.io/origin       on a zone, for types a zone may create (proxies, policies): zone, if not set
//   kuma.io/zone, kuma.io/env  on a zone, for those types, unless the origin is global
//   kuma.io/proxy-type   proxies: sidecar, gateway, zoneingress
// On update, the origin, zone and display name may not change or go away.

export interface LabelOptions {
  /** Kuma's CP mode: a standalone zone and a zone connected to global are both `zone`. */
  mode: 'global' | 'zone';
  /** The zone's name (zones only). */
  zone?: string | undefined;
}

/** Types a zone creates and may send up (Kuma's ProvidedByZone KDS flag). */
function providedByZone(d: Pick<ResourceTypeDescriptor, 'kds'>): boolean {
  return d.kds === 'up' || d.kds === 'policy';
}

function proxyType(type: string, spec: unknown): string | undefined {
  if (type === 'ZoneIngress') return 'zoneingress';
  if (type === 'ZoneEgress') return 'zoneegress';
  if (type !== 'Dataplane') return undefined;
  const gateway = (spec as { networking?: { gateway?: { type?: string } } }).networking?.gateway;
  return gateway?.type === 'BUILTIN' ? 'gateway' : 'sidecar';
}

export function computeLabels(
  d: Pick<ResourceTypeDescriptor, 'name' | 'scope' | 'kds'>,
  r: { mesh?: string | undefined; labels: Record<string, string>; spec: unknown },
  opts: LabelOptions,
): Record<string, string> {
  const labels = { ...r.labels };
  const setIfAbsent = (k: string, v: string) => {
    if (labels[k] === undefined) labels[k] = v;
  };
  if (d.scope === 'mesh') setIfAbsent(MESH_LABEL, r.mesh ?? 'default');
  if (opts.mode === 'zone' && providedByZone(d) && d.name !== 'DataplaneInsight' && d.name !== 'ZoneIngressInsight') {
    setIfAbsent(ORIGIN_LABEL, 'zone');
    if (labels[ORIGIN_LABEL] !== 'global') {
      if (opts.zone) setIfAbsent(ZONE_LABEL, opts.zone);
      setIfAbsent(ENV_LABEL, 'universal');
    }
  }
  const proxy = proxyType(d.name, r.spec);
  if (proxy) labels[PROXY_TYPE_LABEL] = proxy;
  return labels;
}

const IMMUTABLE = [ORIGIN_LABEL, ZONE_LABEL, DISPLAY_NAME_LABEL];

/** Kuma's validateImmutableLabels: a 400 naming each computed label an update changes or drops. */
export function assertImmutableLabels(current: Record<string, string>, next: Record<string, string>): void {
  const violations = IMMUTABLE.flatMap((k) => {
    const was = current[k];
    if (was === undefined) return [];
    const now = next[k];
    if (now === undefined) return [{ field: `labels["${k}"]`, reason: `is immutable, cannot be removed (was "${was}")` }];
    if (now !== was) return [{ field: `labels["${k}"]`, reason: `is immutable, cannot be changed from "${was}" to "${now}"` }];
    return [];
  });
  if (violations.length > 0) throw new MeshworkError('INVALID_RESOURCE', `labels: ${violations.map((v) => `${v.field} ${v.reason}`).join('; ')}`, { invalidParameters: violations });
}

/** Kuma's validateOriginForWrite on global: an origin label, if given, is `global`. */
export function assertOriginForWrite(mode: LabelOptions['mode'], labels: Record<string, string>): void {
  const origin = labels[ORIGIN_LABEL];
  if (mode === 'global' && origin !== undefined && origin !== 'global') {
    throw new MeshworkError('INVALID_RESOURCE', `labels["${ORIGIN_LABEL}"]: the origin label must be set to 'global'`, { invalidParameters: [{ field: `labels["${ORIGIN_LABEL}"]`, reason: "the origin label must be set to 'global'" }] });
  }
  if (origin !== undefined && origin !== 'global' && origin !== 'zone') {
    throw new MeshworkError('INVALID_RESOURCE', `labels["${ORIGIN_LABEL}"]: unknown resource origin "${origin}"`, { invalidParameters: [{ field: `labels["${ORIGIN_LABEL}"]`, reason: `unknown resource origin "${origin}"` }] });
  }
}

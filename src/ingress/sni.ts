// The SNI a sidecar sends to reach a service through another zone's ingress, as in Kuma:
// `<kuma.io/service>{mesh=<mesh>,k1=v1,…}` with every key (mesh included) sorted. The
// zone ingress routes on it without terminating TLS.

import { SERVICE_TAG } from '../resources/labels.ts';

export function serviceSni(mesh: string, tags: Readonly<Record<string, string>>): string {
  const service = tags[SERVICE_TAG];
  if (!service) throw new Error(`tags must include ${SERVICE_TAG}`);
  const pairs = Object.entries({ ...tags, mesh })
    .filter(([k]) => k !== SERVICE_TAG)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return `${service}{${pairs.join(',')}}`;
}

/** Inverse of serviceSni: the mesh and tags an ingress filter chain was built for. */
export function parseServiceSni(sni: string): { mesh: string; tags: Record<string, string> } | undefined {
  const m = /^([^{}]+)\{([^{}]*)\}$/.exec(sni);
  if (!m) return undefined;
  const tags: Record<string, string> = { [SERVICE_TAG]: m[1]! };
  let mesh: string | undefined;
  for (const pair of m[2]!.split(',').filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) return undefined;
    const [k, v] = [pair.slice(0, i), pair.slice(i + 1)];
    if (k === 'mesh') mesh = v;
    else tags[k] = v;
  }
  return mesh === undefined ? undefined : { mesh, tags };
}

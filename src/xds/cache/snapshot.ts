import { createHash } from 'node:crypto';
import { XDS_TYPES, type XdsKind } from '../envoy/protos.ts';
import { encodeJson } from '../envoy/proto-json.ts';
import { outboundServices, type ProxyContext } from '../generate/context.ts';
import { computeRules } from '../../policies/core/matching.ts';
import type { PolicyPlugin } from '../../policies/core/plugin.ts';
import { emptyResourceSet, type Generator, type ResourceSet } from '../generate/generators.ts';

// One proxy's configuration: immutable, every resource checked against the Envoy protos
// and encoded, versioned by content. A snapshot is consistent (every EDS cluster has its
// ClusterLoadAssignment) or it is not built: the server only ever sees valid snapshots.

export const XDS_KINDS: readonly XdsKind[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

export interface XdsResource {
  name: string;
  /** Content hash of the encoded resource. */
  version: string;
  json: object;
  bytes: Buffer;
}

export class SnapshotError extends Error {}

export class XdsSnapshot {
  readonly version: string;
  readonly resources: Readonly<Record<XdsKind, ReadonlyMap<string, XdsResource>>>;

  constructor(resources: Record<XdsKind, Map<string, XdsResource>>) {
    this.resources = resources;
    const h = createHash('sha256');
    for (const kind of XDS_KINDS) for (const [name, r] of [...resources[kind]].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${kind}/${name}@${r.version};`);
    this.version = h.digest('hex').slice(0, 16);
  }

  /** Versions of one kind, by name: what changed between two snapshots. */
  versions(kind: XdsKind): Map<string, string> {
    return new Map([...this.resources[kind]].map(([n, r]) => [n, r.version]));
  }

  /** The whole config as JSON, kind by kind, for golden files and config dumps. */
  toJSON(): Record<string, object[]> {
    return Object.fromEntries(XDS_KINDS.map((k) => [k, [...this.resources[k].values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => r.json)]));
  }
}

export function buildSnapshot(ctx: ProxyContext, generators: readonly Generator[], plugins: readonly PolicyPlugin[] = []): XdsSnapshot {
  const set = emptyResourceSet();
  for (const g of generators) g.generate(ctx, set);
  const services = outboundServices(ctx.dataplane.spec);
  for (const plugin of plugins) {
    const policies = ctx.policies?.get(plugin.type) ?? [];
    if (policies.length > 0) plugin.apply(ctx, computeRules(policies, ctx.dataplane, services), set);
  }
  return snapshotOf(set, `${ctx.mesh.name}.${ctx.dataplane.name}`);
}

/** Checks and encodes a generated resource set; throws SnapshotError listing every problem. */
export function snapshotOf(set: ResourceSet, proxy: string): XdsSnapshot {
  const problems: string[] = [];
  const out = emptyResourceSet() as unknown as Record<XdsKind, Map<string, XdsResource>>;
  for (const kind of XDS_KINDS) {
    for (const [name, json] of set[kind]) {
      try {
        const bytes = encodeJson(XDS_TYPES[kind], json);
        out[kind].set(name, { name, version: createHash('sha256').update(bytes).digest('hex').slice(0, 16), json, bytes });
      } catch (err) {
        problems.push(`${kind} ${name}: ${(err as Error).message}`);
      }
    }
  }
  for (const [name, cluster] of set.cluster) {
    if ((cluster as { type?: string }).type === 'EDS' && !set.endpoint.has(name)) problems.push(`cluster ${name}: EDS cluster without a ClusterLoadAssignment`);
  }
  if (problems.length > 0) throw new SnapshotError(`invalid configuration for ${proxy}: ${problems.join('; ')}`);
  return new XdsSnapshot(out);
}

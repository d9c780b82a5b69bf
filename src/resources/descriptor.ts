import type { z } from 'zod';

// One descriptor per resource type: the single source of truth for validation (the zod
// schema), REST routes, CLI names, KDS direction and read-only rules. Everything that
// needs to know about a type asks the registry for its descriptor.

export type Scope = 'mesh' | 'global';

/**
 * Where KDS carries a type. `down`: global → zones. `up`: zones → global. `policy`: both,
 * by origin (global-origin policies go down, zone-origin ones up). `none`: not synced.
 */
export type KdsDirection = 'down' | 'up' | 'policy' | 'none';

export interface TableColumn {
  header: string;
  value: (r: { name: string; mesh?: string; labels: Record<string, string>; spec: unknown }) => string;
}

export interface ResourceTypeDescriptor<S extends z.ZodType = z.ZodType> {
  /** Kuma type name, e.g. `MeshTimeout`. */
  readonly name: string;
  readonly scope: Scope;
  /** Schema of the spec; its `z.infer` is the TypeScript type of the spec. */
  readonly schema: S;
  /**
   * true: spec fields sit at the top level of YAML/JSON (Mesh, Dataplane, ZoneIngress,
   * Zone, Secret, insights), as in Kuma's proto-based types. false: nested under `spec`.
   */
  readonly inlineSpec: boolean;
  /** REST collection path segment, e.g. `meshtimeouts`. */
  readonly collection: string;
  /** Other path segments the same collection answers to (Kuma's AlternativeWsPath). */
  readonly aliases?: readonly string[];
  /** CLI names (`meshctl get meshtimeout NAME`, `meshctl get meshtimeouts`). */
  readonly cli: { readonly singular: string; readonly plural: string };
  readonly displayName: { readonly singular: string; readonly plural: string };
  readonly kds: KdsDirection;
  /** Read-only through the API on global, and on a zone federated with a global. */
  readonly readOnly: { readonly global: boolean; readonly federatedZone: boolean; readonly standalone: boolean };
  readonly isPolicy: boolean;
  /** Type that holds this type's insight (same name and mesh), for `_overview`. */
  readonly insightType?: string;
  /** Reads need admin rights (secrets). */
  readonly sensitive: boolean;
  /** Kuma's short name (`mt`, `dp`, `m`…): resources of types that have one get a `kri`. */
  readonly shortName?: string;
  /**
   * The type has a `status` the control plane writes (MeshService: VIPs, addresses, proxies).
   * Documents show it; a user's `status` is ignored on writes, as Kuma's API does.
   */
  readonly hasStatus?: boolean;
  /**
   * Top-level fields the server computes and shows (MeshService's `snis`): rendered by
   * `computed`, accepted and ignored on writes (kumactl sends back what it read).
   */
  readonly computed?: { readonly fields: readonly string[]; render(r: { mesh?: string; name: string; labels: Record<string, string>; spec: unknown }): Record<string, unknown> };
  /** Kuma's IsPluginOriginated: on a zone connected to global, users' writes must carry kuma.io/origin: zone. True for the types KDS syncs as policies, unless given. */
  readonly pluginOriginated: boolean;
  /** Checks of the whole resource beyond its spec's schema (Kuma validators that read the name or labels). */
  readonly validateResource?: (r: { name: string; mesh?: string; labels: Record<string, string>; spec: unknown }) => { field: string; reason: string }[];
  /** Extra columns for `meshctl get` tables, after MESH and NAME. */
  readonly columns?: readonly TableColumn[];
}

export type SpecOf<D> = D extends ResourceTypeDescriptor<infer S> ? z.infer<S> : never;

type DescriptorInput<S extends z.ZodType> = Omit<
  ResourceTypeDescriptor<S>,
  'cli' | 'displayName' | 'readOnly' | 'isPolicy' | 'sensitive' | 'collection' | 'kds' | 'pluginOriginated'
> &
  Partial<Pick<ResourceTypeDescriptor<S>, 'cli' | 'displayName' | 'isPolicy' | 'sensitive' | 'collection' | 'kds' | 'pluginOriginated'>> & {
    readOnly?: Partial<ResourceTypeDescriptor['readOnly']>;
  };

/** `MeshTimeout` → `Mesh Timeout` */
function splitWords(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

function pluralize(word: string): string {
  if (/(s|x|sh|ch)$/i.test(word)) return `${word}es`;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

export function defineResource<S extends z.ZodType>(input: DescriptorInput<S>): ResourceTypeDescriptor<S> {
  const lower = input.name.toLowerCase();
  const words = splitWords(input.name);
  const collection = input.collection ?? pluralize(lower);
  return Object.freeze({
    ...input,
    collection,
    cli: input.cli ?? { singular: lower, plural: collection },
    displayName: input.displayName ?? { singular: words, plural: pluralize(words) },
    kds: input.kds ?? 'none',
    pluginOriginated: input.pluginOriginated ?? input.kds === 'policy',
    readOnly: { global: false, federatedZone: false, standalone: false, ...input.readOnly },
    isPolicy: input.isPolicy ?? false,
    sensitive: input.sensitive ?? false,
  });
}

/** The REST path of one resource, or of a collection when `name` is omitted. */
export function restPath(d: Pick<ResourceTypeDescriptor, 'scope' | 'collection'>, mesh: string | undefined, name?: string): string {
  const base = d.scope === 'mesh' ? `/meshes/${encodeURIComponent(mesh ?? 'default')}/${d.collection}` : `/${d.collection}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

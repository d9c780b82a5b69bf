import { isDns1035Label, KUMA_IDENTIFIER_MESSAGE, KUMA_IDENTIFIER_RE } from './common.ts';
import { MeshworkError, isMeshworkError } from '../core/errors.ts';
import type { ListOptions, ListResult, ResourceStore } from '../store/store.ts';
import { upsert } from '../store/upsert.ts';
import type { ResourceTypeDescriptor } from './descriptor.ts';
import type { ResourceRegistry } from './registry.ts';
import { describeKey, type Resource, type ResourceInput, type ResourceKey } from './resource.ts';
import { withZoneTag, type DataplaneSpec } from './types/dataplane.ts';
import type { MeshSpec } from './types/mesh.ts';
import { createDefaultPolicies } from '../policies/defaults.ts';


/**
 * New Mesh names are RFC 1035 labels of at most 63 characters (Kuma 2.10 deprecated other
 * names, 3.0 refuses them): a mesh name is the first part of `<mesh>.<name>` node ids and of
 * hostnames. Meshes that exist already keep their names.
 */
export function assertNewMeshName(name: string): void {
  const reason = name.length > 63 ? 'cannot be longer than 63 characters' : isDns1035Label(name) ? undefined : "must be an RFC 1035 label: lower case letters, digits or '-', starting with a letter and ending with a letter or digit (e.g. 'my-name' or 'abc-123')";
  if (reason) throw new MeshworkError('INVALID_RESOURCE', `invalid Mesh name "${name}": ${reason}`, { invalidParameters: [{ field: 'name', reason }] });
}

/**
 * Kuma's ValidateMeta: a resource's name is a lowercase RFC 1123 subdomain (no '_', no '..',
 * no capitals). Checked when a resource is created; resources stored before keep working.
 */
export function assertNewName(name: string): void {
  if (KUMA_IDENTIFIER_RE.test(name)) return;
  const reason = KUMA_IDENTIFIER_MESSAGE;
  throw new MeshworkError('INVALID_RESOURCE', `invalid name "${name}": ${reason}`, { invalidParameters: [{ field: 'name', reason }] });
}

/** What this control plane is: it decides which types users may write. */
export type CpRole = 'global' | 'federated-zone' | 'standalone';

export { ORIGIN_LABEL } from './labels.ts';
import { ORIGIN_LABEL } from './labels.ts';
import { assertImmutableLabels, assertOriginForWrite, computeLabels } from './computed-labels.ts';

export interface ApplyOptions {
  /** Validate and check everything, but store nothing. */
  dryRun?: boolean;
  /** Fail with VERSION_CONFLICT unless the stored version is this one. */
  expectedVersion?: string;
}

export interface ApplyResult {
  resource: Resource;
  created: boolean;
}

/**
 * Writes on behalf of users: read-only rules by role, upsert with optimistic concurrency,
 * dry runs. Control-plane internals (KDS, insights) write to the store directly.
 */
export class ResourceManager {
  readonly registry: ResourceRegistry;
  readonly store: ResourceStore;
  readonly role: CpRole;
  /** A named zone's name: Dataplanes written here get it as their inbounds' kuma.io/zone tag. */
  readonly zone: string | undefined;

  constructor(deps: { registry: ResourceRegistry; store: ResourceStore; role: CpRole; zone?: string }) {
    this.registry = deps.registry;
    this.store = deps.store;
    this.role = deps.role;
    this.zone = deps.zone;
  }

  /** Throws READ_ONLY if users may not write this resource on this control plane. */
  assertWritable(d: ResourceTypeDescriptor, labels: Record<string, string>, existing?: Resource): void {
    const readOnly = this.role === 'global' ? d.readOnly.global : this.role === 'federated-zone' ? d.readOnly.federatedZone : d.readOnly.standalone;
    if (readOnly) {
      const where = this.role === 'global' ? 'the global control plane' : this.role === 'federated-zone' ? 'a zone control plane connected to global' : 'this control plane';
      const hint =
        this.role === 'global' ? `${d.name} resources are created by zone control planes and synced to global` : this.role === 'federated-zone' ? `apply ${d.name} on the global control plane; it is synced to zones` : `${d.name} resources are written by the control plane itself`;
      throw new MeshworkError('READ_ONLY', `${d.name} is read-only on ${where}: ${hint}`);
    }
    if (this.role === 'federated-zone' && d.pluginOriginated) {
      if (existing && existing.labels[ORIGIN_LABEL] !== 'zone') {
        throw new MeshworkError('READ_ONLY', `${describeKey(existing)} was synced from global and is read-only on a zone; change it on global`);
      }
      if (labels[ORIGIN_LABEL] !== 'zone') {
        const what = d.isPolicy ? 'a policy' : `a ${d.name}`;
        throw new MeshworkError('INVALID_RESOURCE', `${what} applied on a zone control plane connected to global needs the label ${ORIGIN_LABEL}: zone`, {
          invalidParameters: [{ field: `labels["${ORIGIN_LABEL}"]`, reason: d.isPolicy ? 'must be "zone" for a zone-local policy; apply the policy on global otherwise' : `must be "zone": the origin label must be set to 'zone' (Kuma)` }],
        });
      }
    }
  }

  async #find(key: ResourceKey): Promise<Resource | undefined> {
    try {
      return await this.store.get(key);
    } catch (err) {
      if (isMeshworkError(err, 'NOT_FOUND')) return undefined;
      throw err;
    }
  }

  async apply(input: ResourceInput, options: ApplyOptions = {}): Promise<ApplyResult> {
    const d = this.registry.get(input.type);
    if (input.type === 'Dataplane' && this.role !== 'global') input = { ...input, spec: withZoneTag(input.spec as DataplaneSpec, this.zone) };
    // Who may write is decided on the labels as given; what is stored has Kuma's computed labels.
    const given = input.labels;
    const labelOptions = { mode: this.role === 'global' ? 'global' : 'zone', zone: this.zone } as const;
    assertOriginForWrite(labelOptions.mode, given);
    input = { ...input, labels: computeLabels(d, input, labelOptions) };
    const check = (existing: Resource | undefined) => {
      this.assertWritable(d, given, existing);
      if (existing) assertImmutableLabels(computeLabels(d, existing, labelOptions), input.labels);
      if (input.type === 'Mesh' && !existing) assertNewMeshName(input.name);
      else if (!existing) assertNewName(input.name);
      if (options.expectedVersion === undefined) return;
      if (!existing) throw new MeshworkError('NOT_FOUND', `${describeKey(input)} not found; it cannot be updated at version ${options.expectedVersion}`);
      if (existing.version !== options.expectedVersion) {
        throw new MeshworkError('VERSION_CONFLICT', `${describeKey(input)} was modified: expected version ${options.expectedVersion}, current version is ${existing.version}`, {
          invalidParameters: [{ field: 'version', reason: `stale version ${options.expectedVersion}; the current version is ${existing.version}` }],
        });
      }
    };
    if (options.dryRun) {
      const existing = await this.#find(input);
      check(existing);
      if (d.scope === 'mesh' && !existing && !(await this.#find({ type: 'Mesh', name: input.mesh! }))) {
        throw new MeshworkError('MESH_NOT_FOUND', `mesh "${input.mesh}" does not exist`, { invalidParameters: [{ field: 'mesh', reason: `mesh "${input.mesh}" does not exist` }] });
      }
      const t = new Date().toISOString();
      return { created: !existing, resource: { ...input, creationTime: existing?.creationTime ?? t, modificationTime: t, version: existing?.version ?? '' } };
    }
    if (options.expectedVersion !== undefined) {
      // A pinned version never retries: the write happens at that version or not at all.
      const existing = await this.#find(input);
      check(existing);
      return { created: false, resource: await this.store.update(input, options.expectedVersion) };
    }
    const result = await upsert(this.store, input, check);
    // As Kuma: a new mesh gets its default policies (zones connected to global get them by KDS).
    if (input.type === 'Mesh' && result.created && this.role !== 'federated-zone') await createDefaultPolicies(this.store, result.resource as Resource<MeshSpec>);
    return result;
  }

  async get(key: ResourceKey): Promise<Resource> {
    return this.store.get(key);
  }

  async list(type: string, options?: ListOptions): Promise<ListResult> {
    return this.store.list(type, options);
  }

  async delete(key: ResourceKey, options: { expectedVersion?: string } = {}): Promise<void> {
    const d = this.registry.get(key.type);
    const existing = await this.store.get(key);
    this.assertWritable(d, existing.labels, existing);
    // As Kuma: a mesh whose proxies are still there is not deleted (its CA, signing keys and
    // policies would go from under running Envoys, in every zone).
    if (key.type === 'Mesh' && (await this.store.list('Dataplane', { mesh: key.name, size: 1 })).total > 0) {
      throw new MeshworkError('INVALID_RESOURCE', `mesh "${key.name}" cannot be deleted: there are still some dataplanes attached`, {
        invalidParameters: [{ field: 'mesh', reason: 'unable to delete mesh, there are still some dataplanes attached' }],
      });
    }
    await this.store.delete(key, { expectedVersion: options.expectedVersion ?? existing.version });
  }
}

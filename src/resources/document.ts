import { MeshworkError, type InvalidParameter } from '../core/errors.ts';
import { labelsSchema, nameSchema } from './common.ts';
import type { ResourceTypeDescriptor } from './descriptor.ts';
import type { ResourceRegistry } from './registry.ts';
import type { Resource, ResourceInput } from './resource.ts';
import { zodIssuesToParameters } from './validation.ts';
import { checkStructure } from '../core/structure.ts';
import { kriOf } from './kri.ts';

// Kuma's Universal document format, the same in YAML (meshctl) and JSON (REST):
//   type, mesh (mesh-scoped types), name, creationTime, modificationTime, labels,
//   then the spec fields inline (Mesh, Dataplane, …) or under `spec` (Mesh* policies).

// `kri`, `creationTime` and `modificationTime` are the server's (Kuma clients such as kumactl
// send them back on PUT): they are ignored, as Kuma ignores them.
const META_FIELDS = new Set(['type', 'name', 'mesh', 'labels', 'creationTime', 'modificationTime', 'kri']);

/** Labels the control plane keeps for itself, never shown to users. */
const INTERNAL_LABEL_PREFIX = 'meshwork.io/';

export type Document = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One INVALID_RESOURCE for every violation; the reasons travel as invalid_parameters. */
export function invalidResource(type: string, params: InvalidParameter[]): MeshworkError {
  const n = params.length;
  return new MeshworkError('INVALID_RESOURCE', `${type} is not valid: ${n} violation${n === 1 ? '' : 's'}`, { invalidParameters: params });
}

/** Refuses a document above `maxBytes`, naming its largest top-level field. */
export function checkDocumentSize(doc: Document, maxBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  if (bytes <= maxBytes) return;
  let largest = '';
  let largestBytes = -1;
  for (const [k, v] of Object.entries(doc)) {
    const b = Buffer.byteLength(JSON.stringify(v) ?? '');
    if (b > largestBytes) [largest, largestBytes] = [k, b];
  }
  throw new MeshworkError('RESOURCE_TOO_LARGE', `resource is ${bytes} bytes; the limit is ${maxBytes} bytes`, {
    invalidParameters: [{ field: largest, reason: `resource is ${bytes} bytes (this field ${largestBytes}), above the limit of ${maxBytes} bytes` }],
  });
}

/**
 * Validates a user document into a ResourceInput. Collects every violation — envelope and
 * spec — and throws one INVALID_RESOURCE naming each field; never returns a partial result.
 */
export function parseDocument(raw: unknown, registry: ResourceRegistry, options: { maxBytes: number }): { descriptor: ResourceTypeDescriptor; input: ResourceInput } {
  if (!isRecord(raw)) {
    throw new MeshworkError('INVALID_RESOURCE', 'a resource must be a mapping (an object)', { invalidParameters: [{ field: '', reason: 'must be a mapping' }] });
  }
  const problem = checkStructure(raw);
  if (problem) throw new MeshworkError('INVALID_RESOURCE', `${problem.field} ${problem.reason}`, { invalidParameters: [problem] });
  checkDocumentSize(raw, options.maxBytes);
  if (raw.type === undefined || raw.type === null || raw.type === '') {
    throw new MeshworkError('INVALID_RESOURCE', 'resource type is missing', { invalidParameters: [{ field: 'type', reason: 'must be set' }] });
  }
  if (typeof raw.type !== 'string') {
    throw new MeshworkError('INVALID_RESOURCE', 'resource type must be a string', { invalidParameters: [{ field: 'type', reason: 'must be a string' }] });
  }
  const descriptor = registry.get(raw.type);
  const params: InvalidParameter[] = [];

  const checkName = (field: 'name' | 'mesh') => {
    const value = raw[field];
    if (value === undefined || value === null || value === '') return params.push({ field, reason: 'must be set' });
    const parsed = nameSchema.safeParse(value);
    if (!parsed.success) params.push(...zodIssuesToParameters(parsed.error, [field]));
  };
  checkName('name');
  if (descriptor.scope === 'mesh') {
    checkName('mesh');
  } else if (raw.mesh !== undefined) {
    params.push({ field: 'mesh', reason: `must not be set: ${descriptor.name} is not mesh-scoped` });
  }

  let labels: Record<string, string> = {};
  if (raw.labels !== undefined && raw.labels !== null) {
    const parsed = labelsSchema.safeParse(raw.labels);
    if (parsed.success) labels = parsed.data;
    else params.push(...zodIssuesToParameters(parsed.error, ['labels']));
  }

  let specInput: unknown;
  let prefix: string[];
  if (descriptor.inlineSpec) {
    specInput = Object.fromEntries(Object.entries(raw).filter(([k]) => !META_FIELDS.has(k)));
    prefix = [];
  } else {
    for (const k of Object.keys(raw)) {
      if (!META_FIELDS.has(k) && k !== 'spec' && k !== 'status' && !descriptor.computed?.fields.includes(k)) params.push({ field: k, reason: 'unknown field' });
    }
    specInput = raw.spec;
    prefix = ['spec'];
    if (specInput === undefined || specInput === null) params.push({ field: 'spec', reason: 'must be set' });
  }
  // The schemas have no transforms or defaults, so a valid input is stored as given: this
  // keeps the user's key order, and a resource reads back exactly as it was applied.
  const spec: unknown = specInput;
  if (specInput !== undefined && specInput !== null) {
    const parsed = descriptor.schema.safeParse(specInput);
    if (!parsed.success) params.push(...zodIssuesToParameters(parsed.error, prefix));
  }
  if (descriptor.validateResource && typeof raw.name === 'string') params.push(...descriptor.validateResource({ name: raw.name, labels, spec: specInput, ...(typeof raw.mesh === 'string' ? { mesh: raw.mesh } : {}) }));

  if (params.length > 0) {
    throw invalidResource(descriptor.name, params);
  }
  const input: ResourceInput = { type: descriptor.name, name: String(raw.name), labels, spec };
  if (descriptor.scope === 'mesh') input.mesh = String(raw.mesh);
  return { descriptor, input };
}

/** A stored resource in Kuma's document shape (key order as Kuma prints it). */
export function renderDocument(resource: Resource, descriptor: ResourceTypeDescriptor): Document {
  const doc: Document = { type: resource.type };
  if (resource.mesh !== undefined) doc.mesh = resource.mesh;
  doc.name = resource.name;
  doc.creationTime = resource.creationTime;
  doc.modificationTime = resource.modificationTime;
  const labels = Object.fromEntries(Object.entries(resource.labels).filter(([k]) => !k.startsWith(INTERNAL_LABEL_PREFIX)));
  if (Object.keys(labels).length > 0) doc.labels = labels;
  const kri = kriOf(descriptor, resource);
  if (kri) doc.kri = kri;
  if (descriptor.inlineSpec) Object.assign(doc, resource.spec as object);
  else doc.spec = resource.spec;
  if (descriptor.computed) Object.assign(doc, descriptor.computed.render(resource));
  if (descriptor.hasStatus) doc.status = resource.status ?? {};
  return doc;
}

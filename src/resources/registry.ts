import { MeshworkError } from '../core/errors.ts';
import type { ResourceTypeDescriptor } from './descriptor.ts';

/** The set of known resource types, looked up by type name, REST collection or CLI name. */
export class ResourceRegistry {
  readonly #byName = new Map<string, ResourceTypeDescriptor>();
  readonly #byCollection = new Map<string, ResourceTypeDescriptor>();
  readonly #byCli = new Map<string, { descriptor: ResourceTypeDescriptor; plural: boolean }>();

  register(d: ResourceTypeDescriptor): this {
    if (this.#byName.has(d.name)) throw new Error(`resource type ${d.name} registered twice`);
    if (this.#byCollection.has(d.collection)) throw new Error(`REST collection ${d.collection} registered twice`);
    this.#byName.set(d.name, d);
    this.#byCollection.set(d.collection, d);
    // Also without hyphens, as kumactl's inspect names them (`inspect zoneingress NAME`).
    for (const [name, plural] of [[d.cli.singular, false], [d.cli.plural, true]] as const) {
      this.#byCli.set(name, { descriptor: d, plural });
      this.#byCli.set(name.replace(/-/g, ''), { descriptor: d, plural });
    }
    return this;
  }

  all(): ResourceTypeDescriptor[] {
    return [...this.#byName.values()];
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  find(name: string): ResourceTypeDescriptor | undefined {
    return this.#byName.get(name);
  }

  /** The descriptor of `name`; an unknown type is a field-level error on `type`. */
  get(name: string): ResourceTypeDescriptor {
    const d = this.#byName.get(name);
    if (!d) {
      throw new MeshworkError('INVALID_RESOURCE', `unknown resource type "${name}"`, {
        invalidParameters: [{ field: 'type', reason: `unknown type "${name}"; known types: ${this.names().join(', ')}` }],
      });
    }
    return d;
  }

  byCollection(collection: string): ResourceTypeDescriptor | undefined {
    return this.#byCollection.get(collection);
  }

  /** `meshtimeout` or `meshtimeouts` (case-insensitive) → descriptor and whether it was plural. */
  byCliName(name: string): { descriptor: ResourceTypeDescriptor; plural: boolean } | undefined {
    return this.#byCli.get(name.toLowerCase());
  }

  meshScoped(): ResourceTypeDescriptor[] {
    return this.all().filter((d) => d.scope === 'mesh');
  }
}

import type { Endpoint } from './context.ts';

// The endpoints a proxy build reads, recorded: the reconciler rebuilds a proxy when the
// endpoints of a service its last build read change, whatever read them (outbound
// generators, route backends, load-balancing and retry plugins). A build that enumerates the
// services (keys, iteration) depends on all of them.

export interface EndpointReads {
  services: ReadonlySet<string>;
  /** The build enumerated the services: any change of any service's endpoints matters. */
  all: boolean;
}

export class RecordedEndpoints implements ReadonlyMap<string, Endpoint[]> {
  readonly #inner: ReadonlyMap<string, Endpoint[]>;
  readonly #services = new Set<string>();
  #all = false;

  constructor(inner: ReadonlyMap<string, Endpoint[]>) {
    this.#inner = inner;
  }

  get reads(): EndpointReads {
    return { services: this.#services, all: this.#all };
  }

  get(service: string): Endpoint[] | undefined {
    this.#services.add(service);
    return this.#inner.get(service);
  }

  has(service: string): boolean {
    this.#services.add(service);
    return this.#inner.has(service);
  }

  get size(): number {
    this.#all = true;
    return this.#inner.size;
  }

  forEach(fn: (value: Endpoint[], key: string, map: ReadonlyMap<string, Endpoint[]>) => void): void {
    this.#all = true;
    this.#inner.forEach((v, k) => fn(v, k, this));
  }

  entries(): MapIterator<[string, Endpoint[]]> {
    this.#all = true;
    return this.#inner.entries();
  }

  keys(): MapIterator<string> {
    this.#all = true;
    return this.#inner.keys();
  }

  values(): MapIterator<Endpoint[]> {
    this.#all = true;
    return this.#inner.values();
  }

  [Symbol.iterator](): MapIterator<[string, Endpoint[]]> {
    return this.entries();
  }
}

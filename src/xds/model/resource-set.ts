import type { XdsKind } from '../envoy/protos.ts';
import type { ProxyContext } from './context.ts';

// What a build produces before it is checked and encoded: Envoy resources as JSON, by kind and
// name. Generators fill it; policy plugins change it.

export type ResourceSet = Record<XdsKind, Map<string, object>>;

export function emptyResourceSet(): ResourceSet {
  return { listener: new Map(), cluster: new Map(), endpoint: new Map(), route: new Map(), secret: new Map() };
}

export interface Generator {
  readonly name: string;
  generate(ctx: ProxyContext, out: ResourceSet): void;
}

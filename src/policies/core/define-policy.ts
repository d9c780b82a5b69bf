import { z } from 'zod';
import { defineResource, type ResourceTypeDescriptor } from '../../resources/descriptor.ts';
import { targetRefSchema, type TargetRef, type TargetRefKind } from './target-ref.ts';
import type { PolicyPlugin } from '../../xds/model/policy.ts';

// Builds the spec schema and descriptor of a targetRef policy from its sections. The conf
// (`default`) schema is the policy's own; the section shapes are Kuma's:
//   targetRef          which proxies the policy applies to (optional, defaults to Mesh)
//   to[]               {targetRef, default}   outbound, by destination
//   from[]             {targetRef, default}   inbound, by source
//   rules[]            {default}              inbound, for every source
//   default            top-level conf         (MeshTrace, MeshMetric, MeshProxyPatch, MeshPassthrough)

export interface SectionOptions {
  targetRef: readonly TargetRefKind[];
  to?: readonly TargetRefKind[];
  from?: readonly TargetRefKind[];
  rules?: boolean;
  /** A different conf schema for `rules[].default` (MeshTrafficPermission). */
  rulesConf?: z.ZodType;
  /**
   * Kuma's "at least one of 'from', 'to' or 'rules' has to be defined" (MeshTimeout,
   * MeshCircuitBreaker, MeshAccessLog, MeshTrafficPermission). Other policies may have none:
   * an empty `to: []` overrides what a less specific policy set.
   */
  requireSection?: boolean;
  /** The sections that must be empty when `rules` is set (default: every other section). */
  excludedByRules?: readonly ('to' | 'from')[];
  /**
   * With a top-level targetRef of kind MeshHTTPRoute (Kuma: the policy applies to that
   * route, wherever it applies), the conf fields that configure routes (dotted paths, or
   * prefixes ending in ".*"); only `to` of kind Mesh is then allowed.
   */
  routeFields?: readonly string[];
}

/** Dotted paths of the fields a conf sets (objects descended, anything else a leaf). */
function leafPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leafPaths(x, prefix ? `${prefix}.${k}` : k));
}

export const DEFAULT_TOP_KINDS: readonly TargetRefKind[] = ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'];

export interface PolicySpec<C, R = C> {
  targetRef?: TargetRef;
  to?: { targetRef: TargetRef; default: C }[];
  from?: { targetRef: TargetRef; default: C }[];
  rules?: { default: R }[];
}

/** A policy whose conf sits in `to`/`from`/`rules` sections. */
export function sectionedSpec<C extends z.ZodType, R extends z.ZodType = C>(
  conf: C,
  opts: SectionOptions & { rulesConf?: R },
): z.ZodType<PolicySpec<z.infer<C>, z.infer<R>>> {
  const shape: Record<string, z.ZodType> = { targetRef: targetRefSchema(opts.targetRef).optional() };
  if (opts.to) shape.to = z.array(z.strictObject({ targetRef: targetRefSchema(opts.to), default: conf })).optional();
  if (opts.from) shape.from = z.array(z.strictObject({ targetRef: targetRefSchema(opts.from), default: conf })).optional();
  if (opts.rules) shape.rules = z.array(z.strictObject({ default: opts.rulesConf ?? conf })).optional();
  const sections = ['from', 'to', 'rules'].filter((s) => s in shape);
  const quoted = (names: string[]) => names.map((n) => `'${n}'`);
  const oneOf = quoted(sections);
  const excluded = opts.excludedByRules ?? (['to', 'from'] as const).filter((s) => s in shape);
  return z.strictObject(shape).superRefine((spec, ctx) => {
    const nonEmpty = (s: string) => Array.isArray(spec[s]) && (spec[s] as unknown[]).length > 0;
    if (opts.requireSection && !sections.some(nonEmpty)) {
      ctx.addIssue({ code: 'custom', path: [], message: `at least one of ${oneOf.length > 1 ? `${oneOf.slice(0, -1).join(', ')} or ${oneOf.at(-1)}` : oneOf[0]} has to be defined` });
    }
    if (nonEmpty('rules') && excluded.some(nonEmpty)) {
      const names = quoted([...excluded]);
      ctx.addIssue({ code: 'custom', path: [], message: `${names.length > 1 ? `fields ${names.join(' and ')}` : `field ${names[0]}`} must be empty when 'rules' is defined` });
    }
    // Kuma: a sectionName (one inbound) only in policies that configure inbounds.
    if ((spec.targetRef as TargetRef | undefined)?.sectionName && !nonEmpty('from') && !nonEmpty('rules')) {
      ctx.addIssue({ code: 'custom', path: ['targetRef', 'sectionName'], message: 'can only be used with inbound policies' });
    }
    if ((spec.targetRef as TargetRef | undefined)?.kind === 'MeshHTTPRoute' && opts.routeFields) {
      for (const s of ['from', 'rules'].filter(nonEmpty)) ctx.addIssue({ code: 'custom', path: [s], message: 'must not be defined with a top-level targetRef of kind MeshHTTPRoute (routes are outbound)' });
      const allowed = (path: string) => opts.routeFields!.some((f) => (f.endsWith('.*') ? path.startsWith(f.slice(0, -1)) : path === f));
      ((spec.to as { targetRef: TargetRef; default: unknown }[] | undefined) ?? []).forEach((item, i) => {
        if (item.targetRef.kind !== 'Mesh' && item.targetRef.kind !== 'MeshExternalService') ctx.addIssue({ code: 'custom', path: ['to', i, 'targetRef', 'kind'], message: `value '${item.targetRef.kind}' is not supported with a top-level targetRef of kind MeshHTTPRoute: Mesh or MeshExternalService` });
        for (const leaf of leafPaths(item.default).filter((l) => l && !allowed(l))) {
          ctx.addIssue({ code: 'custom', path: ['to', i, 'default', ...leaf.split('.')], message: `does not configure routes, so it cannot be set with a top-level targetRef of kind MeshHTTPRoute (allowed: ${opts.routeFields!.join(', ')})` });
        }
      });
    }
  }) as unknown as z.ZodType<PolicySpec<z.infer<C>, z.infer<R>>>;
}

/** A policy with one top-level `default` conf. */
export function topLevelSpec<C extends z.ZodType>(conf: C, targetRef: readonly TargetRefKind[]) {
  return z.strictObject({ targetRef: targetRefSchema(targetRef).optional(), default: conf }).superRefine((spec, ctx) => {
    if ((spec.targetRef as TargetRef | undefined)?.sectionName !== undefined) ctx.addIssue({ code: 'custom', path: ['targetRef', 'sectionName'], message: 'must not be set: this policy configures whole proxies, not one inbound' });
  });
}

/** `shortName`: Kuma's short name of the type, the second part of its `kri`. */
/**
 * A policy, defined once in its folder's index.ts: its descriptor (schema, REST collection, CLI
 * names, KDS) and its Envoy plugin. The plugin is loaded only by what builds proxies
 * (policies/plugins.ts): the CLI, which loads every descriptor, never pays for it.
 */
export interface PolicyDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: ResourceTypeDescriptor<S>;
  loadPlugin(): Promise<PolicyPlugin>;
}

export function definePolicy<S extends z.ZodType>(name: string, schema: S, options: { shortName: string; collection?: string; plugin: () => Promise<PolicyPlugin> }): PolicyDefinition<S> {
  const type = defineResource({
    name,
    scope: 'mesh',
    schema,
    inlineSpec: false,
    isPolicy: true,
    kds: 'policy',
    shortName: options.shortName,
    ...(options.collection ? { collection: options.collection } : {}),
    readOnly: { global: false, federatedZone: false, standalone: false },
    columns: [
      {
        header: 'TARGETREF',
        value: (r) => {
          const ref = (r.spec as { targetRef?: TargetRef }).targetRef;
          if (!ref) return 'Mesh';
          return ref.name ? `${ref.kind}/${ref.name}` : ref.kind;
        },
      },
    ],
  });
  return {
    type,
    async loadPlugin() {
      const plugin = await options.plugin();
      if (plugin.type !== name) throw new Error(`the plugin of ${name} is for ${plugin.type}`);
      return plugin;
    },
  };
}

import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { tagsSchema } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';
import { encodeJson } from '../../xds/envoy/proto-json.ts';
import { snakeKeys, type Json } from './json-patch.ts';

const jsonPatch = z.strictObject({
  op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test'], { error: 'must be one of: add, remove, replace, move, copy, test' }),
  path: z.string().startsWith('/', 'must be a JSON pointer starting with "/"').or(z.literal('')),
  value: z.unknown().optional(),
  from: z.string().optional(),
});

/**
 * `value` is Envoy config as YAML (camelCase or snake_case) of the modified kind: it must
 * parse and be a valid (partial, for Patch) message of that type, extensions included (any
 * Envoy v3 extension: its protos are loaded when named). Checked here so that a bad patch is refused when applied
 * instead of leaving proxies on their last configuration.
 */
const yamlValue = (envoyType: string) =>
  z.string().superRefine((v, ctx) => {
    let parsed: unknown;
    try {
      parsed = parseYaml(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}` });
      return;
    }
    try {
      encodeJson(envoyType, snakeKeys((parsed ?? {}) as Json));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `is not a valid ${envoyType.split('.').at(-1)}: ${(err as Error).message}` });
    }
  });

type ModKind = 'cluster' | 'listener' | 'virtualHost' | 'filter';

function modification<M extends z.ZodType>(operations: readonly [string, ...string[]], match: M, envoyType: string, kind: ModKind) {
  return z
    .strictObject({
      operation: z.enum(operations as [string, ...string[]], { error: `must be one of: ${operations.join(', ')}` }),
      match: match.optional(),
      value: yamlValue(envoyType).optional(),
      jsonPatches: z.array(jsonPatch).optional(),
    })
    .superRefine((m, ctx) => {
      if (m.operation.startsWith('Add') && m.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `must be set with operation ${m.operation}` });
      if (m.operation === 'Patch' && m.value === undefined && m.jsonPatches === undefined) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'either "value" or "jsonPatches" must be set with operation Patch' });
      }
      if (m.operation === 'Remove' && m.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not be set with operation Remove' });
      if (m.operation === 'Patch' && m.value !== undefined && m.jsonPatches !== undefined) ctx.addIssue({ code: 'custom', path: [], message: 'must have only one type defined: value, jsonPatches' });
      // Kuma's match rules: what an Add creates matches nothing yet; a filter is added next to, or patched by, its name.
      const name = (m.match as { name?: string } | undefined)?.name;
      if (m.operation === 'Add' && (kind === 'cluster' || kind === 'listener') && m.match !== undefined) ctx.addIssue({ code: 'custom', path: ['match'], message: 'must not be defined' });
      if (m.operation === 'Add' && kind === 'virtualHost' && name !== undefined) ctx.addIssue({ code: 'custom', path: ['match', 'name'], message: 'must not be defined' });
      if (kind === 'filter' && !name) {
        if (m.operation === 'AddBefore') ctx.addIssue({ code: 'custom', path: ['match', 'name'], message: 'must be defined. You need to pick a filter before which this one will be added' });
        if (m.operation === 'AddAfter') ctx.addIssue({ code: 'custom', path: ['match', 'name'], message: 'must be defined. You need to pick a filter after which this one will be added' });
        if (m.operation === 'Patch') ctx.addIssue({ code: 'custom', path: ['match', 'name'], message: 'must be defined' });
      }
    });
}

const origin = z.string().optional();
const ADD_REMOVE_PATCH = ['Add', 'Remove', 'Patch'] as const;
const FILTER_OPS = ['AddFirst', 'AddLast', 'AddBefore', 'AddAfter', 'Remove', 'Patch'] as const;
const filterMatch = z.strictObject({ name: z.string().optional(), listenerName: z.string().optional(), listenerTags: tagsSchema.optional(), origin });

const appendModification = z
  .strictObject({
    cluster: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin }), 'envoy.config.cluster.v3.Cluster', 'cluster').optional(),
    listener: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin, tags: tagsSchema.optional() }), 'envoy.config.listener.v3.Listener', 'listener').optional(),
    networkFilter: modification(FILTER_OPS, filterMatch, 'envoy.config.listener.v3.Filter', 'filter').optional(),
    httpFilter: modification(FILTER_OPS, filterMatch, 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter', 'filter').optional(),
    virtualHost: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin, routeConfigurationName: z.string().optional() }), 'envoy.config.route.v3.VirtualHost', 'virtualHost').optional(),
  })
  .superRefine((m, ctx) => {
    const set = Object.keys(m).filter((k) => (m as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "cluster", "listener", "networkFilter", "httpFilter", "virtualHost" has to be defined' });
  });

export const meshProxyPatchConf = z.strictObject({
  appendModifications: z.array(appendModification).min(1, 'must have at least one element'),
});

export const meshProxyPatchSpec = topLevelSpec(meshProxyPatchConf, ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane']);

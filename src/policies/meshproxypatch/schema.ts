import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { tagsSchema } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';

const jsonPatch = z.strictObject({
  op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test'], { error: 'must be one of: add, remove, replace, move, copy, test' }),
  path: z.string().startsWith('/', 'must be a JSON pointer starting with "/"').or(z.literal('')),
  value: z.unknown().optional(),
  from: z.string().optional(),
});

/** `value` is Envoy config as a YAML string; it must at least parse. */
const yamlValue = z.string().superRefine((v, ctx) => {
  try {
    parseYaml(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}` });
  }
});

function modification<M extends z.ZodType>(operations: readonly [string, ...string[]], match: M) {
  return z
    .strictObject({
      operation: z.enum(operations as [string, ...string[]], { error: `must be one of: ${operations.join(', ')}` }),
      match: match.optional(),
      value: yamlValue.optional(),
      jsonPatches: z.array(jsonPatch).optional(),
    })
    .superRefine((m, ctx) => {
      if (m.operation.startsWith('Add') && m.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `must be set with operation ${m.operation}` });
      if (m.operation === 'Patch' && m.value === undefined && m.jsonPatches === undefined) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'either "value" or "jsonPatches" must be set with operation Patch' });
      }
      if (m.operation === 'Remove' && m.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not be set with operation Remove' });
    });
}

const origin = z.string().optional();
const ADD_REMOVE_PATCH = ['Add', 'Remove', 'Patch'] as const;
const FILTER_OPS = ['AddFirst', 'AddLast', 'AddBefore', 'AddAfter', 'Remove', 'Patch'] as const;
const filterMatch = z.strictObject({ name: z.string().optional(), listenerName: z.string().optional(), listenerTags: tagsSchema.optional(), origin });

const appendModification = z
  .strictObject({
    cluster: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin })).optional(),
    listener: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin, tags: tagsSchema.optional() })).optional(),
    networkFilter: modification(FILTER_OPS, filterMatch).optional(),
    httpFilter: modification(FILTER_OPS, filterMatch).optional(),
    virtualHost: modification(ADD_REMOVE_PATCH, z.strictObject({ name: z.string().optional(), origin, routeConfigurationName: z.string().optional() })).optional(),
  })
  .superRefine((m, ctx) => {
    const set = Object.keys(m).filter((k) => (m as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "cluster", "listener", "networkFilter", "httpFilter", "virtualHost" has to be defined' });
  });

export const meshProxyPatchConf = z.strictObject({
  appendModifications: z.array(appendModification).min(1, 'must have at least one element'),
});

export const meshProxyPatchSpec = topLevelSpec(meshProxyPatchConf, ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane']);

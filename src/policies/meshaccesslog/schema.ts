import { z } from 'zod';
import { hostPort } from '../../resources/common.ts';
import { checkEndpointOrBackendRef, otelBackendRefSchema } from '../core/otel-backend.ts';
import { sectionedSpec } from '../core/define-policy.ts';

// Kuma: a Json entry must make a JSON object as written ({"key": "value"}, unescaped).
const isJsonObject = (key: string, value: string) => {
  try {
    return typeof JSON.parse(`{"${key}": "${value}"}`) === 'object';
  } catch {
    return false;
  }
};

const format = z
  .strictObject({
    type: z.enum(['Plain', 'Json'], { error: 'must be Plain or Json' }),
    plain: z.string().min(1, 'must not be empty').optional(),
    json: z
      .array(z.strictObject({ key: z.string().min(1, 'key cannot be empty'), value: z.string().min(1, 'value cannot be empty') }).refine((f) => isJsonObject(f.key, f.value), { message: 'is not a valid JSON object' }))
      .min(1, 'must not be empty')
      .optional(),
    omitEmptyValues: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    if (f.type === 'Plain' && f.plain === undefined) ctx.addIssue({ code: 'custom', path: ['plain'], message: 'must be defined' });
    if (f.type === 'Json' && f.json === undefined) ctx.addIssue({ code: 'custom', path: ['json'], message: 'must be defined' });
  });

// An OpenTelemetry AnyValue in its JSON form (Kuma's `body`). Envoy's OpenTelemetry access
// logger formats strings (with %COMMAND% operators) inside arrays and kvlists, and refuses
// the other value types, so they are refused here.
export type AnyValue = { stringValue: string } | { arrayValue: { values?: AnyValue[] } } | { kvlistValue: { values?: { key: string; value: AnyValue }[] } };

const UNSUPPORTED = new Set(['boolValue', 'intValue', 'doubleValue', 'bytesValue']);
type Path = (string | number)[];

function checkAnyValue(v: unknown, path: Path, issue: (path: Path, message: string) => void): void {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(v) || Object.keys(v).length !== 1) return issue(path, 'must be an AnyValue: exactly one of stringValue, arrayValue, kvlistValue');
  const [key, value] = Object.entries(v)[0]!;
  const at = [...path, key];
  if (key === 'stringValue') {
    if (typeof value !== 'string') issue(at, 'must be a string');
  } else if (key === 'arrayValue' || key === 'kvlistValue') {
    if (!isObject(value)) return issue(at, 'must be an object with "values"');
    for (const k of Object.keys(value)) if (k !== 'values') issue([...at, k], 'unknown field');
    if (value.values === undefined) return;
    if (!Array.isArray(value.values)) return issue([...at, 'values'], 'must be a list');
    value.values.forEach((e, i) => {
      if (key === 'arrayValue') return checkAnyValue(e, [...at, 'values', i], issue);
      if (!isObject(e)) return issue([...at, 'values', i], 'must be {key, value}');
      for (const k of Object.keys(e)) if (k !== 'key' && k !== 'value') issue([...at, 'values', i, k], 'unknown field');
      if (typeof e.key !== 'string' || !e.key) issue([...at, 'values', i, 'key'], 'must be a non-empty string');
      checkAnyValue(e.value, [...at, 'values', i, 'value'], issue);
    });
  } else if (UNSUPPORTED.has(key)) {
    issue(at, "is not supported by Envoy's OpenTelemetry access logger: use stringValue, arrayValue or kvlistValue");
  } else issue(at, 'unknown field');
}

export const anyValue = z.custom<AnyValue>().superRefine((v, ctx) => checkAnyValue(v, [], (path, message) => ctx.addIssue({ code: 'custom', path, message })));

// Kuma's ValidateOtelAttributeName.
const otelAttributeName = z.string().superRefine((k, ctx) => {
  const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (k === '') issue('must be defined');
  else if (k.includes('%')) issue('must be a static OpenTelemetry attribute name; placeholders are only supported in values');
  else if (k.startsWith('otel.')) issue("must not use the reserved OpenTelemetry prefix 'otel.'");
  else if (!/^[a-z](?:[a-z0-9]|[._][a-z0-9])*$/.test(k)) issue("must start with a lowercase letter, use only lowercase letters, digits, '.' or '_', avoid consecutive delimiters, and end with a letter or digit");
});

const BACKEND_KEYS = { File: 'file', Tcp: 'tcp', OpenTelemetry: 'openTelemetry' } as const;

const backend = z
  .strictObject({
    type: z.enum(['File', 'Tcp', 'OpenTelemetry'], { error: 'must be one of: File, Tcp, OpenTelemetry' }).optional(),
    file: z.strictObject({ path: z.string().startsWith('/', 'must be an absolute path'), format: format.optional() }).optional(),
    tcp: z.strictObject({ address: hostPort, format: format.optional() }).optional(),
    openTelemetry: z
      .strictObject({
        endpoint: z.string().optional(),
        backendRef: otelBackendRefSchema.optional(),
        body: anyValue.optional(),
        attributes: z.array(z.strictObject({ key: otelAttributeName, value: z.string() })).optional(),
      })
      .superRefine((o, ctx) => {
        checkEndpointOrBackendRef(o, ctx);
        if (o.endpoint && !/[/?#]/.test(o.endpoint) && !hostPort.safeParse(o.endpoint).success) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'must be HOST:PORT' });
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    const set = ['file', 'tcp', 'openTelemetry'].filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    // Kuma: the section of the backend's type must be defined.
    if (b.type && set.length === 0) ctx.addIssue({ code: 'custom', path: [BACKEND_KEYS[b.type]], message: 'must be defined' });
    else if (set.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "file", "tcp", "openTelemetry" has to be defined' });
    else if (b.type && BACKEND_KEYS[b.type] !== set[0]) ctx.addIssue({ code: 'custom', path: ['type'], message: `is ${b.type} but "${set[0]}" is defined` });
  });

export const meshAccessLogConf = z.strictObject({ backends: z.array(backend).optional() });

export const meshAccessLogSpec = sectionedSpec(meshAccessLogConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
  from: ['Mesh'],
  rules: true,
  requireSection: true,
});

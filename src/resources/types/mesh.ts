import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { addIssues, duration, KUMA_PORT_RANGE, isRequestUri, kumaTagIssues, kumaTagMap, nameSchema, parseNested, type FieldIssue } from '../common.ts';
import { defineResource } from '../descriptor.ts';

const builtinConf = z.strictObject({
  caCert: z
    .strictObject({
      RSAbits: z.number().int().refine((n) => n === 2048 || n === 3072 || n === 4096, 'must be 2048, 3072 or 4096').optional(),
      expiration: duration({ extended: true }).optional(),
    })
    .optional(),
});

const providedConf = z.strictObject({
  cert: z.strictObject({ secret: nameSchema }),
  key: z.strictObject({ secret: nameSchema }),
});

const backend = z
  .strictObject({
    name: nameSchema,
    type: z.enum(['builtin', 'provided'], { error: 'must be "builtin" or "provided"' }),
    mode: z.enum(['STRICT', 'PERMISSIVE'], { error: 'must be STRICT or PERMISSIVE' }).optional(),
    dpCert: z
      .strictObject({
        // Checked on the mtls section (Kuma reports it as mtls.dpcert.rotation.expiration).
        rotation: z.strictObject({ expiration: z.string().optional() }).optional(),
        requestTimeout: duration().optional(),
      })
      .optional(),
    conf: z.record(z.string(), z.unknown()).optional(),
    rootChain: z.strictObject({ requestTimeout: duration().optional() }).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.conf === undefined) return;
    const schema = b.type === 'builtin' ? builtinConf : providedConf;
    const r = schema.safeParse(b.conf);
    if (!r.success) {
      for (const issue of r.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: ['conf', ...issue.path, key], message: 'unknown field' });
        } else {
          ctx.addIssue({ code: 'custom', path: ['conf', ...issue.path], message: issue.message });
        }
      }
    }
  });

// --- Kuma's legacy observability sections (logging, tracing, metrics) --------------------
// Accepted with Kuma's shape and validation so that Kuma's Mesh YAML is not refused. Meshwork
// does not act on them: access logs, traces and metrics are configured with MeshAccessLog,
// MeshTrace and MeshMetric. Kuma reports the rules of a logging or tracing backend's `conf` under
// `config`, a field no document has; Meshwork names `conf`.

/** A string where Kuma decodes YAML null as empty: the rule's own message then applies. */
const nullableString = z.string().nullable();

/** A backend name: YAML `name:` (null) is read as empty and refused as Kuma refuses it. */
const backendName = z.string().nullable();

const looseConf = z.record(z.string(), z.unknown(), { error: 'must be a mapping' });

const loggingSection = z.strictObject({
  defaultBackend: z.string().optional(),
  backends: z
    .array(z.strictObject({ name: backendName.optional(), format: z.string().optional(), type: z.string().optional(), conf: looseConf.optional() }))
    .optional(),
});

const tracingSection = z.strictObject({
  defaultBackend: z.string().optional(),
  backends: z
    .array(z.strictObject({ name: backendName.optional(), sampling: z.number().optional(), type: z.string().optional(), conf: looseConf.optional() }))
    .optional(),
});

const metricsSection = z.strictObject({
  enabledBackend: z.string().optional(),
  backends: z.array(z.strictObject({ name: backendName.optional(), type: z.string().optional(), conf: looseConf.optional() })).optional(),
});

const fileLoggingConf = z.strictObject({ path: nullableString.optional() });
const tcpLoggingConf = z.strictObject({ address: nullableString.optional() });
const zipkinConf = z.strictObject({ url: nullableString.optional(), traceId128bit: z.boolean().optional(), apiVersion: nullableString.optional(), sharedSpanContext: z.boolean().optional() });
const datadogConf = z.strictObject({ address: nullableString.optional(), port: z.number().int().min(0).optional(), splitService: z.boolean().optional() });

const prometheusConf = z.strictObject({
  port: z.number().int().min(0).optional(),
  path: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  skipMTLS: z.boolean().optional(),
  aggregate: z
    .array(z.strictObject({ name: z.string().optional(), port: z.number().int().min(0).optional(), path: z.string().optional(), enabled: z.boolean().optional(), address: z.string().optional() }))
    .optional(),
  envoy: z.strictObject({ filterRegex: z.string().optional(), usedOnly: z.boolean().optional() }).optional(),
  tls: z.strictObject({ mode: z.enum(['activeMTLSBackend', 'providedTLS', 'disabled']).optional() }).optional(),
});

/**
 * Kuma's validatePrometheusConfig, for a Mesh metrics backend's and a Dataplane's `metrics.conf`
 * (`prefix` is the path of that conf).
 */
export function checkPrometheusConf(conf: unknown, ctx: z.RefinementCtx, prefix: readonly PropertyKey[]): void {
  if (conf === undefined) return;
  const cfg = parseNested(prometheusConf, conf, ctx, prefix);
  if (!cfg) return;
  const add = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: [...prefix, ...path], message });
  if (cfg.skipMTLS !== undefined && cfg.tls !== undefined) {
    const mode = cfg.tls.mode ?? 'activeMTLSBackend';
    const same = (!cfg.skipMTLS && mode === 'activeMTLSBackend') || (cfg.skipMTLS && mode === 'disabled');
    if (!same) return add([], 'skipMTLS and tls configuration cannot be defined together');
  }
  try {
    new RegExp(cfg.envoy?.filterRegex ?? '');
  } catch (err) {
    return add(['envoy', 'filterRegex'], `provided regexp isn't correct: ${(err as Error).message}`);
  }
  const names = new Set<string>();
  (cfg.aggregate ?? []).forEach((a, i) => {
    const name = a.name ?? '';
    if (names.has(name)) add(['aggregate', i, 'name'], `duplicate entry: ${name}, values have to be unique`);
    else names.add(name);
  });
}

/** Go's net.SplitHostPort, as Kuma's tcp logging check uses it: host and port both non-empty. */
function isHostPort(value: string): boolean {
  let host: string;
  let port: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || value[end + 1] !== ':') return false;
    host = value.slice(1, end);
    port = value.slice(end + 2);
    if (port.includes(':') || port.includes(']')) return false;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return false;
    host = value.slice(0, colon);
    port = value.slice(colon + 1);
    if (host.includes(':') || host.includes('[') || host.includes(']')) return false;
  }
  return host !== '' && port !== '';
}

/** The explicit port of an absolute URL, as Go's URL.Port() reads it ('' when none). */
function urlPort(value: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value);
  if (!m) return '';
  const hostPort = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end >= 0 && hostPort[end + 1] === ':' ? hostPort.slice(end + 2) : '';
  }
  const colon = hostPort.lastIndexOf(':');
  return colon >= 0 ? hostPort.slice(colon + 1) : '';
}

type Section = { backends?: { name?: string | null | undefined }[] | undefined };

/** Kuma: a backend name used twice is reported on the later one. Returns the names. */
function checkBackendNames(section: Section, issues: FieldIssue[]): Set<string> {
  const names = new Set<string>();
  (section.backends ?? []).forEach((b, i) => {
    const name = b.name ?? '';
    if (names.has(name)) issues.push({ path: ['backends', i, 'name'], message: `"${name}" name is already used for another backend` });
    names.add(name);
  });
  return names;
}

function checkLogging(logging: z.infer<typeof loggingSection>, ctx: z.RefinementCtx): void {
  const issues: FieldIssue[] = [];
  (logging.backends ?? []).forEach((b, i) => {
    if (!b.name) issues.push({ path: ['backends', i, 'name'], message: 'cannot be empty' });
    const config = ['backends', i, 'conf'];
    if (b.type === 'file') {
      const conf = parseNested(fileLoggingConf, b.conf ?? {}, ctx, ['logging', 'backends', i, 'conf']);
      if (conf && !conf.path) issues.push({ path: [...config, 'path'], message: 'cannot be empty' });
    } else if (b.type === 'tcp') {
      const conf = parseNested(tcpLoggingConf, b.conf ?? {}, ctx, ['logging', 'backends', i, 'conf']);
      if (conf && !conf.address) issues.push({ path: [...config, 'address'], message: 'cannot be empty' });
      else if (conf?.address && !isHostPort(conf.address)) issues.push({ path: [...config, 'address'], message: 'has to be in format of HOST:PORT' });
    } else {
      issues.push({ path: ['backends', i, 'type'], message: 'unknown backend type. Available backends: "tcp", "file"' });
    }
  });
  const names = checkBackendNames(logging, issues);
  if (logging.defaultBackend && !names.has(logging.defaultBackend)) issues.push({ path: ['defaultBackend'], message: 'has to be set to one of the logging backend in mesh' });
  addIssues(ctx, issues, ['logging']);
}

function checkTracing(tracing: z.infer<typeof tracingSection>, ctx: z.RefinementCtx): void {
  const issues: FieldIssue[] = [];
  (tracing.backends ?? []).forEach((b, i) => {
    if (!b.name) issues.push({ path: ['backends', i, 'name'], message: 'cannot be empty' });
    if (b.sampling !== undefined && (b.sampling < 0 || b.sampling > 100)) issues.push({ path: ['backends', i, 'sampling'], message: 'has to be in [0.0 - 100.0] range' });
    const config = ['backends', i, 'conf'];
    if (b.type === 'zipkin') {
      const conf = parseNested(zipkinConf, b.conf ?? {}, ctx, ['tracing', 'backends', i, 'conf']);
      if (!conf) return;
      if (conf.apiVersion && !['httpJsonV1', 'httpJson', 'httpProto'].includes(conf.apiVersion)) {
        issues.push({ path: [...config, 'apiVersion'], message: 'has invalid value. Allowed values: httpJsonV1, httpJson, httpProto' });
      }
      if (!conf.url) issues.push({ path: [...config, 'url'], message: 'cannot be empty' });
      else if (!isRequestUri(conf.url)) issues.push({ path: [...config, 'url'], message: 'invalid URL' });
      else if (urlPort(conf.url) === '') issues.push({ path: [...config, 'url'], message: 'port has to be explicitly specified' });
    } else if (b.type === 'datadog') {
      const conf = parseNested(datadogConf, b.conf ?? {}, ctx, ['tracing', 'backends', i, 'conf']);
      if (!conf) return;
      if (!conf.address) issues.push({ path: [...config, 'address'], message: 'cannot be empty' });
      if (!conf.port || conf.port > 65535) issues.push({ path: [...config, 'port'], message: KUMA_PORT_RANGE });
    } else {
      issues.push({ path: ['backends', i, 'type'], message: 'unknown backend type. Available backends: "zipkin", "datadog"' });
    }
  });
  const names = checkBackendNames(tracing, issues);
  if (tracing.defaultBackend && !names.has(tracing.defaultBackend)) issues.push({ path: ['defaultBackend'], message: 'has to be set to one of the tracing backend in mesh' });
  addIssues(ctx, issues, ['tracing']);
}

function checkMetrics(metrics: z.infer<typeof metricsSection>, ctx: z.RefinementCtx): void {
  const issues: FieldIssue[] = [];
  const names = checkBackendNames(metrics, issues);
  (metrics.backends ?? []).forEach((b, i) => {
    if (b.type !== 'prometheus') issues.push({ path: ['backends', i, 'type'], message: 'unknown backend type. Available backends: "prometheus"' });
    else checkPrometheusConf(b.conf, ctx, ['metrics', 'backends', i, 'conf']);
  });
  if (metrics.enabledBackend && !names.has(metrics.enabledBackend)) issues.push({ path: ['enabledBackend'], message: 'has to be set to one of the backends in the mesh' });
  addIssues(ctx, issues, ['metrics']);
}

/** Kuma's AllowedMTLSBackends. */
const MAX_MTLS_BACKENDS = 1;

const constraintRules = z.array(z.strictObject({ tags: kumaTagMap.optional() }));

export const meshSpecSchema = z
  .strictObject({
    mtls: z
      .strictObject({
        enabledBackend: z.string().optional(),
        backends: z.array(backend).optional(),
        skipValidation: z.boolean().optional(),
      })
      .optional(),
    logging: loggingSection.optional(),
    tracing: tracingSection.optional(),
    metrics: metricsSection.optional(),
    networking: z.strictObject({ outbound: z.strictObject({ passthrough: z.boolean().optional() }).optional() }).optional(),
    routing: z
      .strictObject({
        localityAwareLoadBalancing: z.boolean().optional(),
        zoneEgress: z.boolean().optional(),
        defaultForbidMeshExternalServiceAccess: z.boolean().optional(),
      })
      .optional(),
    constraints: z
      .strictObject({
        dataplaneProxy: z.strictObject({ requirements: constraintRules.optional(), restrictions: constraintRules.optional() }).optional(),
      })
      .optional(),
    skipCreatingInitialPolicies: z.array(z.string()).optional(),
    meshServices: z.strictObject({ mode: z.enum(['Disabled', 'Everywhere', 'ReachableBackends', 'Exclusive']).optional() }).optional(),
  })
  .superRefine((spec, ctx) => {
    const backends = spec.mtls?.backends ?? [];
    if (backends.length > MAX_MTLS_BACKENDS) ctx.addIssue({ code: 'custom', path: ['mtls', 'backends'], message: `cannot have more than ${MAX_MTLS_BACKENDS} backends` });
    const seen = new Set<string>();
    backends.forEach((b, i) => {
      if (seen.has(b.name)) ctx.addIssue({ code: 'custom', path: ['mtls', 'backends', i, 'name'], message: `"${b.name}" name is already used for another backend` });
      seen.add(b.name);
      const expiration = b.dpCert?.rotation?.expiration;
      // Kuma names mtls.dpcert.rotation.expiration; Meshwork the backend's real field.
      if (expiration !== undefined && !parseDuration(expiration, true).ok) ctx.addIssue({ code: 'custom', path: ['mtls', 'backends', i, 'dpCert', 'rotation', 'expiration'], message: 'has to be a valid format' });
    });
    const enabled = spec.mtls?.enabledBackend;
    if (enabled && !seen.has(enabled)) {
      ctx.addIssue({ code: 'custom', path: ['mtls', 'enabledBackend'], message: `has to be set to one of the backends in the mesh` });
    }
    if (spec.logging) checkLogging(spec.logging, ctx);
    if (spec.tracing) checkTracing(spec.tracing, ctx);
    if (spec.metrics) checkMetrics(spec.metrics, ctx);
    const proxy = spec.constraints?.dataplaneProxy;
    for (const kind of ['requirements', 'restrictions'] as const) {
      (proxy?.[kind] ?? []).forEach((rule, i) => {
        addIssues(ctx, kumaTagIssues(rule.tags, { selector: true, requireAtLeastOne: true }), ['constraints', 'dataplaneProxy', kind, i, 'tags']);
      });
    }
    // Traffic through a zone egress is identified by mTLS.
    if (spec.routing?.zoneEgress && !enabled) ctx.addIssue({ code: 'custom', path: ['mtls'], message: 'has to be set when zoneEgress enabled' });
  });

export type MeshSpec = z.infer<typeof meshSpecSchema>;

export const MeshType = defineResource({
  name: 'Mesh',
  shortName: 'm',
  scope: 'global',
  schema: meshSpecSchema,
  inlineSpec: true,
  collection: 'meshes',
  kds: 'down',
  readOnly: { federatedZone: true },
  columns: [
    {
      header: 'mTLS',
      value: (r) => {
        const mtls = (r.spec as MeshSpec).mtls;
        if (!mtls?.enabledBackend) return 'off';
        const b = mtls.backends?.find((x) => x.name === mtls.enabledBackend);
        return `${b?.type ?? '?'}/${mtls.enabledBackend}`;
      },
    },
  ],
});

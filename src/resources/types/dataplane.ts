import { MeshworkError } from '../../core/errors.ts';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import {
  addIssues,
  address,
  ipsOverlap,
  isKumaIp,
  isRequestUri,
  KUMA_PORT_RANGE,
  kumaAddressIssues,
  kumaIdentifierIssues,
  kumaPort,
  kumaTagIssues,
  kumaTagMap,
  type FieldIssue,
} from '../common.ts';
import { defineResource } from '../descriptor.ts';
import { checkPrometheusConf } from './mesh.ts';

import { PROTOCOL_TAG, SERVICE_TAG, ZONE_TAG } from '../labels.ts';
export { PROTOCOL_TAG, SERVICE_TAG, ZONE_TAG };
export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp', 'kafka'] as const;

// Kuma 2.14's Dataplane validator (dataplane_validator.go), with its field paths and messages.
// Meshwork is stricter in a few places, each noted: unknown fields, empty addresses, duplicate
// inbound or outbound ports, and protocols other than the five it serves.

/** Envoy's admin listens on the loopback (Kuma's core_meta.LoopbackIPv4). */
const ADMIN_ADDRESS = '127.0.0.1';
const BACKEND_REF_KINDS = ['MeshExternalService', 'MeshMultiZoneService', 'MeshService'];
const KIND_MESSAGE = `invalid value. Available values are: ${BACKEND_REF_KINDS.join(',')}`;
const SAME_AS_ADDRESS = 'serviceAddress and servicePort has to differ from address and port';

/** Kuma's inbound protocol rule (Meshwork serves these five; Kuma also takes tls, mysql and any case). */
function inboundProtocolIssues(tags: Readonly<Record<string, string>>): FieldIssue[] {
  if (!(PROTOCOL_TAG in tags)) return [];
  const value = tags[PROTOCOL_TAG] ?? '';
  if ((PROTOCOLS as readonly string[]).includes(value)) return [];
  return [{ path: [PROTOCOL_TAG], message: `tag "${PROTOCOL_TAG}" has an invalid value "${value}". Allowed values: ${[...PROTOCOLS].sort().join(', ')}` }];
}

/** A gateway's protocol tag may only be tcp. */
function gatewayProtocolIssues(tags: Readonly<Record<string, string>>): FieldIssue[] {
  if (!(PROTOCOL_TAG in tags)) return [];
  const value = tags[PROTOCOL_TAG] ?? '';
  return value.toLowerCase() === 'tcp' ? [] : [{ path: [PROTOCOL_TAG], message: `other values than tcp are not allowed, provided value "${value}"` }];
}

/** A service probe's interval or timeout: a positive duration. */
const probeDuration = z.string({ error: 'must be a duration like 2s or 500ms' }).superRefine((value, ctx) => {
  const r = parseDuration(value);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
  else if (r.ms <= 0) ctx.addIssue({ code: 'custom', message: 'must have a positive value' });
});
const threshold = z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must have a positive value');

/** An address given beside the proxy's: an IP. Empty is refused (Kuma reads it as unset). */
const optionalIp = z.string().min(1, 'cannot be empty').optional();

const inbound = z
  .strictObject({
    port: kumaPort,
    servicePort: kumaPort.optional(),
    serviceAddress: optionalIp,
    address: optionalIp,
    name: z.string().optional(),
    /** Kuma 2.14's inbound protocol (3.0 reads only this); the kuma.io/protocol tag when absent. */
    protocol: z.string().optional(),
    // Kuma 2.x (InboundTagsDisabled): an inbound may have no tags at all; it then has no service
    // tag either, and Meshwork routes no service to it.
    tags: kumaTagMap.optional(),
    state: z.enum(['Ready', 'NotReady', 'Ignored']).optional(),
    health: z.strictObject({ ready: z.boolean().optional() }).optional(),
    serviceProbe: z
      .strictObject({
        interval: probeDuration.optional(),
        timeout: probeDuration.optional(),
        unhealthyThreshold: threshold.optional(),
        healthyThreshold: threshold.optional(),
        tcp: z.strictObject({}).optional(),
      })
      .optional(),
  })
  .superRefine((ib, ctx) => {
    const issues: FieldIssue[] = [];
    const sameAsPort = ib.servicePort === undefined || ib.servicePort === ib.port;
    if (ib.serviceAddress !== undefined && !isKumaIp(ib.serviceAddress)) issues.push({ path: ['serviceAddress'], message: 'serviceAddress has to be valid IP address' });
    if (ib.address !== undefined) {
      if (!isKumaIp(ib.address)) issues.push({ path: ['address'], message: 'address has to be valid IP address' });
      if (ib.address === ib.serviceAddress && sameAsPort) issues.push({ path: ['serviceAddress'], message: SAME_AS_ADDRESS });
    }
    for (const issue of kumaTagIssues(ib.tags, { extra: inboundProtocolIssues })) issues.push({ path: ['tags', ...issue.path], message: issue.message });
    if (ib.protocol !== undefined && ib.protocol !== '' && !(PROTOCOLS as readonly string[]).includes(ib.protocol)) issues.push({ path: ['protocol'], message: `has an invalid value "${ib.protocol}". Allowed values: ${[...PROTOCOLS].sort().join(', ')}` });
    // The service tag is required only of an inbound with tags (Kuma's old setup).
    if (ib.tags && Object.keys(ib.tags).length > 0 && !(SERVICE_TAG in ib.tags)) issues.push({ path: ['tags', SERVICE_TAG], message: 'tag has to exist' });
    addIssues(ctx, issues);
  });

const outbound = z
  .strictObject({
    port: kumaPort,
    address: optionalIp,
    tags: kumaTagMap.optional(),
    backendRef: z
      .strictObject({
        kind: z.string().optional(),
        name: z.string().optional(),
        port: z.number({ error: KUMA_PORT_RANGE }).int(KUMA_PORT_RANGE).optional(),
        labels: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
  })
  .superRefine((ob, ctx) => {
    const issues: FieldIssue[] = [];
    if (ob.address !== undefined && !isKumaIp(ob.address)) issues.push({ path: ['address'], message: 'address has to be valid IP address' });
    const tags = ob.tags ?? {};
    const ref = ob.backendRef;
    if (ref) {
      if (!BACKEND_REF_KINDS.includes(ref.kind ?? '')) issues.push({ path: ['backendRef', 'kind'], message: KIND_MESSAGE });
      if (!ref.name && Object.keys(ref.labels ?? {}).length === 0) issues.push({ path: ['backendRef'], message: "either 'name' or 'labels' should be specified" });
      // A MeshExternalService's port comes from its endpoints.
      if (ref.kind !== 'MeshExternalService' && (ref.port === undefined || ref.port < 1 || ref.port > 65535)) issues.push({ path: ['backendRef', 'port'], message: KUMA_PORT_RANGE });
      if (Object.keys(tags).length > 0) issues.push({ path: ['backendRef'], message: 'both backendRef and tags/service cannot be defined' });
    } else if (Object.keys(tags).length === 0) {
      issues.push({ path: ['tags'], message: `mandatory tag "${SERVICE_TAG}" is missing` });
    } else {
      for (const issue of kumaTagIssues(tags, { requireService: true })) issues.push({ path: ['tags', ...issue.path], message: issue.message });
    }
    addIssues(ctx, issues);
  });

/**
 * Kuma 3.0-style zone proxy listeners (a zone ingress or egress embedded in a Dataplane).
 * Accepted and checked as Kuma checks them, but not served yet: Meshwork generates no Envoy
 * configuration for them (zone ingresses are ZoneIngress resources).
 */
const listener = z.strictObject({
  type: z.enum(['Unspecified', 'ZoneIngress', 'ZoneEgress'], { error: 'type must be ZoneIngress or ZoneEgress' }).optional(),
  address: z.string().optional(),
  port: z.number({ error: KUMA_PORT_RANGE }).int(KUMA_PORT_RANGE).optional(),
  name: z.string().optional(),
  state: z.enum(['Ready', 'NotReady']).optional(),
});

/** Kuma's reachable backends of a transparent proxy (MeshServices mode); accepted, not acted on yet. */
const reachableBackends = z.strictObject({
  refs: z
    .array(
      z.strictObject({
        kind: z.string().optional(),
        name: z.string().optional(),
        namespace: z.string().optional(),
        port: z.number().int().min(0).optional(),
        labels: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

type Networking = {
  address: string;
  inbound?: z.infer<typeof inbound>[] | undefined;
  outbound?: z.infer<typeof outbound>[] | undefined;
  gateway?: { tags?: Record<string, string> | undefined; type?: 'DELEGATED' | 'BUILTIN' | undefined } | undefined;
  transparentProxying?: { reachableBackends?: z.infer<typeof reachableBackends> | undefined } | undefined;
  admin?: { port?: number | undefined } | undefined;
  listeners?: z.infer<typeof listener>[] | undefined;
};

const inRange = (port: number | undefined) => port !== undefined && port >= 1 && port <= 65535;

/** An inbound's protocol as Kuma's GetProtocolFallback reads it: the field, else the tag, else tcp. */
export function inboundProtocol(ib: { protocol?: string | undefined; tags?: Readonly<Record<string, string>> | undefined }): string {
  return ib.protocol || ib.tags?.[PROTOCOL_TAG] || 'tcp';
}

/** Kuma's UsesInboundInterface: the proxy's or the workload's address and port of an inbound. */
function usesInbound(n: Networking, address: string, port: number): boolean {
  return (n.inbound ?? []).some((ib) => {
    const dataplaneIp = ib.address ?? n.address;
    const workloadIp = ib.serviceAddress ?? dataplaneIp;
    return (port === ib.port && ipsOverlap(address, dataplaneIp)) || (port === (ib.servicePort ?? ib.port) && ipsOverlap(address, workloadIp));
  });
}

function usesOutbound(n: Networking, address: string, port: number): boolean {
  return (n.outbound ?? []).some((ob) => port === ob.port && ipsOverlap(address, ob.address ?? '127.0.0.1'));
}

function gatewayIssues(gateway: NonNullable<Networking['gateway']>): FieldIssue[] {
  const tags = gateway.tags ?? {};
  // The service tag is required only of a gateway with tags (Kuma's old setup).
  return kumaTagIssues(tags, { requireService: Object.keys(tags).length > 0, extra: gatewayProtocolIssues }).map((i) => ({ path: ['gateway', 'tags', ...i.path], message: i.message }));
}

function reachableBackendIssues(tp: Networking['transparentProxying']): FieldIssue[] {
  const out: FieldIssue[] = [];
  (tp?.reachableBackends?.refs ?? []).forEach((ref, i) => {
    const at = (field: string, message: string) => out.push({ path: ['transparentProxying', 'reachableBackends', 'refs', i, field], message });
    if (!BACKEND_REF_KINDS.includes(ref.kind ?? '')) at('kind', KIND_MESSAGE);
    if (ref.name) for (const message of kumaIdentifierIssues(ref.name)) at('name', message);
    const labels = Object.keys(ref.labels ?? {}).length > 0;
    if (!ref.name && !ref.namespace && !labels) at('name', 'name or labels are required');
    if (!ref.name && ref.namespace) at('name', 'name is required, when namespace is defined');
    if ((ref.name || ref.namespace) && labels) at('labels', 'labels cannot be defined when name is specified');
  });
  return out;
}

/** Kuma's validateListeners (sidecars only). */
function listenerIssues(n: Networking): FieldIssue[] {
  const out: FieldIssue[] = [];
  // Inbounds are named by their name, else their port (Kuma's section name).
  const names = new Set((n.inbound ?? []).map((ib) => ib.name || String(ib.port)));
  const byAddress = new Map<string, string>();
  (n.listeners ?? []).forEach((l, i) => {
    const at = (path: PropertyKey[], message: string) => out.push({ path: ['listeners', i, ...path], message });
    const type = l.type ?? 'Unspecified';
    if (type === 'Unspecified') at(['type'], 'type must be ZoneIngress or ZoneEgress');
    for (const message of kumaAddressIssues(l.address)) at(['address'], message);
    if (!inRange(l.port)) at(['port'], KUMA_PORT_RANGE);
    if (l.name) {
      if (names.has(l.name)) at(['name'], `name "${l.name}" must be unique across inbounds and listeners`);
      names.add(l.name);
    }
    const key = `${l.address ?? ''}:${l.port ?? 0}`;
    const existing = byAddress.get(key);
    if (existing === undefined) byAddress.set(key, type);
    else at([], existing === type ? `address:port ${key} is already used by another listener` : `address:port ${key} is used by listeners of different types`);
    if ((n.inbound ?? []).some((ib) => `${ib.address ?? n.address}:${ib.port}` === key)) at([], `address:port ${key} collides with an inbound listener`);
  });
  return out;
}

const networking = z
  .strictObject(
    {
      address: z.string({ error: "address can't be empty" }),
      // Meshwork's own check (Kuma has none): other zones' proxies connect to it.
      advertisedAddress: address.optional(),
      inbound: z.array(inbound).optional(),
      outbound: z.array(outbound).optional(),
      gateway: z.strictObject({ tags: kumaTagMap.optional(), type: z.enum(['DELEGATED', 'BUILTIN']).optional() }).optional(),
      transparentProxying: z
        .strictObject({
          redirectPortInbound: kumaPort.optional(),
          redirectPortOutbound: kumaPort.optional(),
          directAccessServices: z.array(z.string()).optional(),
          reachableServices: z.array(z.string()).optional(),
          ipFamilyMode: z.enum(['UnSpecified', 'DualStack', 'IPv4', 'IPv6']).optional(),
          reachableBackends: reachableBackends.optional(),
        })
        .optional(),
      admin: z.strictObject({ port: kumaPort.optional() }).optional(),
      listeners: z.array(listener).optional(),
    },
    { error: (issue) => (issue.input === undefined ? 'must be defined' : 'must be a mapping') },
  )
  .superRefine((n, ctx) => {
    const issues: FieldIssue[] = [];
    const at = (path: PropertyKey[], message: string) => issues.push({ path, message });
    const inbounds = n.inbound ?? [];
    const outbounds = n.outbound ?? [];
    const listeners = n.listeners ?? [];
    if (n.admin?.port !== undefined) {
      if (usesInbound(n, ADMIN_ADDRESS, n.admin.port)) at(['admin', 'port'], 'must differ from inbound');
      if (usesOutbound(n, ADMIN_ADDRESS, n.admin.port)) at(['admin', 'port'], 'must differ from outbound');
    }
    const gatewayType = n.gateway ? (n.gateway.type ?? 'DELEGATED') : undefined;
    if (n.gateway) {
      if (inbounds.length > 0) at(['inbound'], `inbound cannot be defined for ${gatewayType === 'BUILTIN' ? 'builtin' : 'delegated'} gateways`);
      if (gatewayType === 'BUILTIN' && outbounds.length > 0) at(['outbound'], 'outbound cannot be defined for builtin gateways');
      if (listeners.length > 0) at(['listeners'], `listeners cannot be defined for ${gatewayType === 'BUILTIN' ? 'builtin' : 'delegated'} gateways`);
      issues.push(...gatewayIssues(n.gateway));
    }
    for (const message of kumaAddressIssues(n.address)) at(['address'], message);
    inbounds.forEach((ib, i) => {
      if (ib.serviceAddress === n.address && (ib.servicePort === undefined || ib.servicePort === ib.port)) at(['inbound', i, 'serviceAddress'], SAME_AS_ADDRESS);
    });
    issues.push(...reachableBackendIssues(n.transparentProxying));
    if (!n.gateway) issues.push(...listenerIssues(n));
    // Meshwork's own: two listeners of Envoy cannot share an address and port.
    const seen = new Map<string, number>();
    inbounds.forEach((ib, i) => {
      const key = `${ib.address ?? n.address}:${ib.port}`;
      const first = seen.get(key);
      if (first !== undefined) at(['inbound', i, 'port'], `duplicate inbound port ${ib.port} (also used by inbound[${first}])`);
      else seen.set(key, i);
    });
    const outs = new Map<string, number>();
    outbounds.forEach((ob, i) => {
      const key = `${ob.address ?? '127.0.0.1'}:${ob.port}`;
      const first = outs.get(key);
      if (first !== undefined) at(['outbound', i, 'port'], `duplicate outbound port ${ob.port} (also used by outbound[${first}])`);
      else outs.set(key, i);
    });
    addIssues(ctx, issues);
  });

/** Kuma's MetricsBackend of a Dataplane (overrides of the Mesh's); accepted, not acted on. */
const metricsBackend = z.strictObject({ name: z.string().optional(), type: z.string().optional(), conf: z.record(z.string(), z.unknown()).optional() });

/** Kuma's virtual probes (kuma-dp serves the app's HTTP probes on one port); accepted, not acted on. */
const probes = z.strictObject({
  port: z.number().int().optional(),
  // YAML null is read as empty, which the URL rule refuses.
  endpoints: z.array(z.strictObject({ inboundPort: z.number().int().optional(), inboundPath: z.string().nullable().optional(), path: z.string().nullable().optional() })).optional(),
});

export const dataplaneSpecSchema = z
  .strictObject({
    networking,
    metrics: metricsBackend.optional(),
    probes: probes.optional(),
  })
  .superRefine((spec, ctx) => {
    const issues: FieldIssue[] = [];
    const gatewayType = spec.networking.gateway ? (spec.networking.gateway.type ?? 'DELEGATED') : undefined;
    if (gatewayType === 'BUILTIN') {
      // Kuma's path: networking.probes.
      if (spec.probes !== undefined) issues.push({ path: ['networking', 'probes'], message: 'probes cannot be defined for builtin gateways' });
    } else if (spec.probes) {
      if (!inRange(spec.probes.port)) issues.push({ path: ['probes', 'port'], message: KUMA_PORT_RANGE });
      (spec.probes.endpoints ?? []).forEach((e, i) => {
        if (!inRange(e.inboundPort)) issues.push({ path: ['probes', 'endpoints', i, 'inboundPort'], message: KUMA_PORT_RANGE });
        if (!isRequestUri(e.inboundPath ?? '')) issues.push({ path: ['probes', 'endpoints', i, 'inboundPath'], message: 'should be a valid URL Path' });
        if (!isRequestUri(e.path ?? '')) issues.push({ path: ['probes', 'endpoints', i, 'path'], message: 'should be a valid URL Path' });
      });
    }
    // Kuma checks a Dataplane's metrics only on sidecars.
    if (gatewayType === undefined && spec.metrics) {
      if (spec.metrics.type !== 'prometheus') issues.push({ path: ['metrics', 'type'], message: 'unknown backend type. Available backends: "prometheus"' });
      else checkPrometheusConf(spec.metrics.conf, ctx, ['metrics', 'conf']);
    }
    addIssues(ctx, issues);
  });

export type DataplaneSpec = z.infer<typeof dataplaneSpecSchema>;

export const DataplaneType = defineResource({
  name: 'Dataplane',
  shortName: 'dp',
  scope: 'mesh',
  schema: dataplaneSpecSchema,
  inlineSpec: true,
  kds: 'up',
  readOnly: { global: true },
  insightType: 'DataplaneInsight',
  columns: [
    {
      header: 'TAGS',
      value: (r) =>
        ((r.spec as DataplaneSpec).networking.inbound ?? [])
          .map((ib) => Object.entries(ib.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(' '))
          .join(', '),
    },
  ],
});

/** Every value of every tag of the Dataplane's inbounds and gateway (Kuma's Dataplane TagSet). */
export function dataplaneTagSet(spec: DataplaneSpec): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const tags of [...(spec.networking.inbound ?? []).map((ib) => ib.tags ?? {}), spec.networking.gateway?.tags ?? {}]) {
    for (const [k, v] of Object.entries(tags)) {
      let values = out.get(k);
      if (!values) out.set(k, (values = new Set()));
      values.add(v);
    }
  }
  return out;
}

/**
 * A Dataplane of a named zone, as Kuma keeps it: every inbound tagged `kuma.io/zone: <zone>`
 * (policies and routes select by it). A different value set by the user is refused. An
 * inbound without tags (Kuma's InboundTagsDisabled) stays without: a zone tag alone would make
 * it an inbound with tags but no service tag, which is not valid.
 */
export function withZoneTag<S extends DataplaneSpec>(spec: S, zone: string | undefined, fieldPrefix = 'spec'): S {
  if (!zone) return spec;
  const inbound = (spec.networking.inbound ?? []).map((ib, i) => {
    if (!ib.tags || Object.keys(ib.tags).length === 0) return ib;
    const set = ib.tags[ZONE_TAG];
    if (set !== undefined && set !== zone) {
      throw new MeshworkError('INVALID_RESOURCE', `the Dataplane is in zone "${zone}"`, { invalidParameters: [{ field: `${fieldPrefix}.networking.inbound[${i}].tags["${ZONE_TAG}"]`, reason: `must be "${zone}", the zone of this control plane (or left out)` }] });
    }
    return set === zone ? ib : { ...ib, tags: { ...ib.tags, [ZONE_TAG]: zone } };
  });
  return { ...spec, networking: { ...spec.networking, ...(spec.networking.inbound ? { inbound } : {}) } };
}

import { MeshworkError } from '../../core/errors.ts';
import { z } from 'zod';
import { address, duration, port, tagsSchema } from '../common.ts';
import { defineResource } from '../descriptor.ts';

export const SERVICE_TAG = 'kuma.io/service';
export const PROTOCOL_TAG = 'kuma.io/protocol';
export const ZONE_TAG = 'kuma.io/zone';
export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp', 'kafka'] as const;

const inboundTags = tagsSchema.superRefine((tags, ctx) => {
  if (!tags[SERVICE_TAG]) ctx.addIssue({ code: 'custom', path: [SERVICE_TAG], message: 'tag has to exist' });
  const protocol = tags[PROTOCOL_TAG];
  if (protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(protocol)) {
    ctx.addIssue({ code: 'custom', path: [PROTOCOL_TAG], message: `must be one of: ${PROTOCOLS.join(', ')}` });
  }
});

const inbound = z.strictObject({
  port,
  servicePort: port.optional(),
  serviceAddress: address.optional(),
  address: address.optional(),
  name: z.string().optional(),
  tags: inboundTags,
  state: z.enum(['Ready', 'NotReady', 'Ignored']).optional(),
  health: z.strictObject({ ready: z.boolean().optional() }).optional(),
  serviceProbe: z
    .strictObject({
      interval: duration().optional(),
      timeout: duration().optional(),
      unhealthyThreshold: z.number().int().min(1).optional(),
      healthyThreshold: z.number().int().min(1).optional(),
      tcp: z.strictObject({}).optional(),
    })
    .optional(),
});

const outbound = z
  .strictObject({
    port,
    address: address.optional(),
    tags: tagsSchema.optional(),
    backendRef: z
      .strictObject({ kind: z.enum(['MeshService', 'MeshExternalService', 'MeshMultiZoneService']), name: z.string().min(1), port: port.optional(), labels: tagsSchema.optional() })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (!o.backendRef && !o.tags?.[SERVICE_TAG]) {
      ctx.addIssue({ code: 'custom', path: ['tags', SERVICE_TAG], message: 'tag has to exist (or backendRef has to be set)' });
    }
  });

export const dataplaneSpecSchema = z.strictObject({
  networking: z
    .strictObject({
      address,
      advertisedAddress: address.optional(),
      inbound: z.array(inbound).optional(),
      outbound: z.array(outbound).optional(),
      gateway: z
        .strictObject({ tags: tagsSchema, type: z.enum(['DELEGATED', 'BUILTIN']).optional() })
        .optional(),
      transparentProxying: z
        .strictObject({
          redirectPortInbound: port.optional(),
          redirectPortOutbound: port.optional(),
          directAccessServices: z.array(z.string()).optional(),
          reachableServices: z.array(z.string()).optional(),
          ipFamilyMode: z.enum(['DualStack', 'IPv4', 'IPv6']).optional(),
        })
        .optional(),
      admin: z.strictObject({ port: port.optional() }).optional(),
    })
    .superRefine((n, ctx) => {
      const inbounds = n.inbound ?? [];
      if (inbounds.length === 0 && !n.gateway) {
        ctx.addIssue({ code: 'custom', path: ['inbound'], message: 'has to contain at least one inbound interface or gateway' });
      }
      const seen = new Map<string, number>();
      inbounds.forEach((ib, i) => {
        const key = `${ib.address ?? n.address}:${ib.port}`;
        const first = seen.get(key);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['inbound', i, 'port'], message: `duplicate inbound port ${ib.port} (also used by inbound[${first}])` });
        else seen.set(key, i);
      });
      const outs = new Map<string, number>();
      (n.outbound ?? []).forEach((ob, i) => {
        const key = `${ob.address ?? '127.0.0.1'}:${ob.port}`;
        const first = outs.get(key);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['outbound', i, 'port'], message: `duplicate outbound port ${ob.port} (also used by outbound[${first}])` });
        else outs.set(key, i);
      });
    }),
  metrics: z.record(z.string(), z.unknown()).optional(),
  probes: z.record(z.string(), z.unknown()).optional(),
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
          .map((ib) => Object.entries(ib.tags).map(([k, v]) => `${k}=${v}`).join(' '))
          .join(', '),
    },
  ],
});

/** Every value of every tag of the Dataplane's inbounds and gateway (Kuma's Dataplane TagSet). */
export function dataplaneTagSet(spec: DataplaneSpec): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const tags of [...(spec.networking.inbound ?? []).map((ib) => ib.tags), spec.networking.gateway?.tags ?? {}]) {
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
 * (policies and routes select by it). A different value set by the user is refused.
 */
export function withZoneTag<S extends DataplaneSpec>(spec: S, zone: string | undefined, fieldPrefix = 'spec'): S {
  if (!zone) return spec;
  const inbound = (spec.networking.inbound ?? []).map((ib, i) => {
    const set = ib.tags[ZONE_TAG];
    if (set !== undefined && set !== zone) {
      throw new MeshworkError('INVALID_RESOURCE', `the Dataplane is in zone "${zone}"`, { invalidParameters: [{ field: `${fieldPrefix}.networking.inbound[${i}].tags["${ZONE_TAG}"]`, reason: `must be "${zone}", the zone of this control plane (or left out)` }] });
    }
    return set === zone ? ib : { ...ib, tags: { ...ib.tags, [ZONE_TAG]: zone } };
  });
  return { ...spec, networking: { ...spec.networking, ...(spec.networking.inbound ? { inbound } : {}) } };
}

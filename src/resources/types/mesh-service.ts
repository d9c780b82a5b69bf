import { z } from 'zod';
import { kumaPort } from '../common.ts';
import { defineResource } from '../descriptor.ts';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, ZONE_LABEL } from '../labels.ts';

// MeshService (Kuma 2.14's real-resource service model): a service of a zone, selecting its
// Dataplanes by tags, name or labels, with its ports. Created in the zone (by users or by the
// generator from Dataplane inbounds, see meshservice/), synced up to global. Its status
// (VIPs, hostnames, proxies) is the control plane's. Validation is Kuma's: its schema's
// shape, a display name of at most 63 characters and at most one selector; names that are
// not RFC 1035 labels are accepted (Kuma only warns).

const stringMap = z.record(z.string(), z.string());

export const MESH_SERVICE_STATES = ['Available', 'Unavailable'] as const;
export const MESH_SERVICE_IDENTITY_TYPES = ['ServiceTag', 'SpiffeID'] as const;

export const meshServicePortSchema = z.strictObject({
  name: z.string().optional(),
  port: kumaPort,
  targetPort: z.union([kumaPort, z.string().min(1, 'must not be empty')], { error: 'must be a port number or an inbound name' }).optional(),
  /** tcp when absent (Kuma's default). */
  appProtocol: z.string().optional(),
});

export const meshServiceSpecSchema = z
  .strictObject({
    state: z.enum(MESH_SERVICE_STATES, { error: `must be one of: ${MESH_SERVICE_STATES.join(', ')}` }).optional(),
    selector: z
      .strictObject({
        dataplaneTags: stringMap.optional(),
        dataplaneRef: z.strictObject({ name: z.string().optional() }).optional(),
        dataplaneLabels: z.strictObject({ matchLabels: stringMap.optional() }).optional(),
      })
      .optional(),
    ports: z.array(meshServicePortSchema).optional(),
    identities: z.array(z.strictObject({ type: z.enum(MESH_SERVICE_IDENTITY_TYPES, { error: `must be one of: ${MESH_SERVICE_IDENTITY_TYPES.join(', ')}` }), value: z.string({ error: 'must be set' }) })).optional(),
  })
  .superRefine((spec, ctx) => {
    const s = spec.selector;
    if (s && [s.dataplaneTags, s.dataplaneRef, s.dataplaneLabels].filter((x) => x !== undefined).length > 1) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'must specify only one of: dataplaneTags, dataplaneRef, or dataplaneLabels' });
    }
  });

export type MeshServiceSpec = z.infer<typeof meshServiceSpecSchema>;
export type MeshServicePort = z.infer<typeof meshServicePortSchema>;

export interface MeshServiceStatus {
  addresses?: { hostname: string; origin: 'HostnameGenerator'; hostnameGeneratorRef: { coreName: string } }[];
  vips?: { ip: string }[];
  tls?: { status: 'Ready' | 'NotReady' };
  hostnameGenerators?: { hostnameGeneratorRef: { coreName: string }; conditions: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string }[] }[];
  dataplaneProxies?: { connected?: number; healthy?: number; total?: number };
}

/** A port's name: its own, or its number (Kuma's GetName). */
export const portName = (p: MeshServicePort): string => p.name ?? String(p.port);

export const MeshServiceType = defineResource({
  name: 'MeshService',
  shortName: 'msvc',
  scope: 'mesh',
  schema: meshServiceSpecSchema,
  inlineSpec: false,
  hasStatus: true,
  kds: 'up',
  readOnly: { global: true },
  pluginOriginated: true,
  // Kuma's REST item shows each port's SNI (sni.msvc.<mesh>.<zone>.<namespace>.<name>.<port>, empty parts left out).
  computed: {
    fields: ['snis'],
    render: (r) => ({
      snis: [...((r.spec as MeshServiceSpec).ports ?? [])].sort((a, b) => a.port - b.port).map((p) => ({ port: p.port, sni: ['sni', 'msvc', r.mesh, r.labels[ZONE_LABEL], r.labels[K8S_NAMESPACE_LABEL], r.labels[DISPLAY_NAME_LABEL] ?? r.name, portName(p)].filter(Boolean).join('.') })),
    }),
  },
  validateResource: ({ name, labels }) => {
    const display = labels[DISPLAY_NAME_LABEL] || name;
    return display.length > 63 ? [{ field: 'name', reason: 'must not be longer than 63 characters' }] : [];
  },
});

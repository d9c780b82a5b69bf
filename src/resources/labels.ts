// Kuma's wire names, in one place: the labels and tags Kuma gives meaning to, as Meshwork
// writes and reads them (the SNI format is ingress/sni.ts, built from these).

/** The tag naming a proxy's service, on inbounds, outbounds and tag selectors. */
export const SERVICE_TAG = 'kuma.io/service';
/** The tag naming an inbound's protocol: http, http2, grpc, tcp, kafka. */
export const PROTOCOL_TAG = 'kuma.io/protocol';
/** The tag the zone puts on its proxies' inbounds (and the label on what a zone creates). */
export const ZONE_TAG = 'kuma.io/zone';

/** Where a resource was created: `global` or `zone`. */
export const ORIGIN_LABEL = 'kuma.io/origin';
/** The zone a resource comes from. */
export const ZONE_LABEL = 'kuma.io/zone';
/** The name a synced resource has where it was created (its stored name is hash-suffixed). */
export const DISPLAY_NAME_LABEL = 'kuma.io/display-name';
export const K8S_NAMESPACE_LABEL = 'k8s.kuma.io/namespace';
/** The mesh of a mesh-scoped resource. */
export const MESH_LABEL = 'kuma.io/mesh';
/** `universal` or `kubernetes`: the environment of the zone a resource comes from. */
export const ENV_LABEL = 'kuma.io/env';
/** `sidecar`, `gateway`, `zoneingress` or `zoneegress`. */
export const PROXY_TYPE_LABEL = 'kuma.io/proxy-type';

import type { z } from 'zod';
import { addResource } from '../../xds/model/resource-set.ts';
import type { PolicyPlugin } from '../core/plugin.ts';
import { forEachInbound, forEachOutbound, HCM, networkFilters, ownService, TCP_PROXY } from '../core/plugin.ts';
import type { AgentPaths, ProxyContext } from '../../xds/generate/context.ts';
import type { AnyValue, meshAccessLogConf } from './schema.ts';
import type { ResourceSet } from '../../xds/generate/generators.ts';
import { staticCluster } from '../../xds/generate/envoy-objects.ts';
import { ACCESS_LOG_ADDRESS_KEY } from '../../dp/agent-protocol.ts';
import { MOTB_TYPE, resolveOtelBackend } from '../core/otel-backend.ts';

// MeshAccessLog → Envoy access loggers on the HTTP connection managers and TCP proxies of
// outbounds (to) and inbounds (from/rules), with Kuma's %KUMA_*% variables filled in. The
// file backend writes plain text (Kuma's default formats unless one is given) or JSON. The tcp backend, as Kuma's, goes through
// the proxy's agent: Envoy writes the formatted line to the FIFO meshwork-dp announced
// (ctx.accessLogPath), tagged with the backend's address (`ADDRESS;line`, or the
// ACCESS_LOG_ADDRESS_KEY of a JSON line), and meshwork-dp sends it there over TCP. The
// openTelemetry backend is Envoy's OpenTelemetry access logger: OTLP/gRPC log records to a
// cluster per collector endpoint, the body (Kuma's default format unless given) and the
// attributes formatted by Envoy, which takes string, array and kvlist values only.

type Conf = z.infer<typeof meshAccessLogConf>;
type Format = NonNullable<NonNullable<NonNullable<Conf['backends']>[number]['file']>['format']>;
type Obj = Record<string, unknown>;
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const OTEL_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig';
const otelCluster = (endpoint: string) => `meshwork:accesslog:opentelemetry:${endpoint}`;

// Kuma's default formats, for TCP proxies and for HTTP connection managers.
export const DEFAULT_TCP_FORMAT =
  '[%START_TIME%] %RESPONSE_FLAGS% %KUMA_MESH% %KUMA_SOURCE_ADDRESS_WITHOUT_PORT%(%KUMA_SOURCE_SERVICE%)->%UPSTREAM_HOST%(%KUMA_DESTINATION_SERVICE%) took %DURATION%ms, sent %BYTES_SENT% bytes, received: %BYTES_RECEIVED% bytes';
export const DEFAULT_HTTP_FORMAT =
  '[%START_TIME%] %KUMA_MESH% "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%KUMA_SOURCE_SERVICE%" "%KUMA_DESTINATION_SERVICE%" "%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%" "%UPSTREAM_HOST%"';

/** Where a logger is attached: what Kuma's %KUMA_*% variables stand for there. */
interface Site {
  http: boolean;
  vars: Record<string, string>;
}

/** Kuma's %KUMA_*% variables are not Envoy's: they are filled in when the config is built. */
const interpolate = (text: string, site: Site) => text.replace(/%KUMA_[A-Z_]+%/g, (v) => site.vars[v] ?? v);

function logFormat(f: Format | undefined, site: Site, address?: string): Obj {
  const omit = f?.omitEmptyValues ? { omit_empty_values: true } : {};
  if (f?.type === 'Json') {
    const json = Object.fromEntries((f.json ?? []).map((e) => [e.key, interpolate(e.value, site)]));
    return { json_format: { ...(address ? { [ACCESS_LOG_ADDRESS_KEY]: address } : {}), ...json }, ...omit };
  }
  const plain = interpolate(f?.plain ?? (site.http ? DEFAULT_HTTP_FORMAT : DEFAULT_TCP_FORMAT), site);
  return { text_format_source: { inline_string: `${address ? `${address};` : ''}${plain}\n` }, ...omit };
}

/** Kuma's camelCase AnyValue → the proto3 JSON field names of opentelemetry.proto.common.v1.AnyValue. */
function otlpValue(v: AnyValue, site: Site): Obj {
  if ('stringValue' in v) return { string_value: interpolate(v.stringValue, site) };
  if ('arrayValue' in v) return { array_value: { values: (v.arrayValue.values ?? []).map((e) => otlpValue(e, site)) } };
  return { kvlist_value: { values: (v.kvlistValue.values ?? []).map((kv) => ({ key: kv.key, value: otlpValue(kv.value, site) })) } };
}

function loggers(conf: Conf, site: Site, ctx: AgentPaths & Pick<ProxyContext, 'policies'>, out: ResourceSet): Obj[] {
  return (conf.backends ?? []).flatMap((b): Obj[] => {
    if (b.file) return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: b.file.path, log_format: logFormat(b.file.format, site) } }];
    if (b.tcp && ctx.accessLogPath) return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: ctx.accessLogPath, log_format: logFormat(b.tcp.format, site, b.tcp.address) } }];
    if (b.openTelemetry) {
      const { body, attributes } = b.openTelemetry;
      // Envoy's OpenTelemetry access logger speaks OTLP/gRPC only: a backend of protocol http,
      // or a ref to no backend, logs nothing.
      const otel = resolveOtelBackend(ctx, b.openTelemetry);
      if (!otel || otel.protocol !== 'grpc') return [];
      const cluster = otelCluster(otel.name);
      addResource(out, 'cluster', cluster, staticCluster(cluster, otel.host, otel.port, { http2: true }), { kind: 'policy', policy: 'MeshAccessLog' });
      return [
        {
          name: 'envoy.access_loggers.open_telemetry',
          typed_config: {
            '@type': OTEL_LOG,
            common_config: { log_name: 'MeshAccessLog', transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: cluster } } },
            body: otlpValue(body ?? { stringValue: site.http ? DEFAULT_HTTP_FORMAT : DEFAULT_TCP_FORMAT }, site),
            ...(attributes?.length ? { attributes: { values: attributes.map((a) => ({ key: a.key, value: { string_value: interpolate(a.value, site) } })) } } : {}),
          },
        },
      ];
    }
    return [];
  });
}

function attach(listener: Obj, destination: string | undefined, conf: Conf, ctx: ProxyContext, out: ResourceSet, direction: 'INBOUND' | 'OUTBOUND'): void {
  const own = ownService(ctx) ?? 'unknown';
  const listenerService = destination ?? 'unknown';
  const ip = ctx.dataplane.spec.networking.address;
  const vars = {
    '%KUMA_MESH%': ctx.mesh.name,
    '%KUMA_ZONE%': ctx.zone,
    '%KUMA_TRAFFIC_DIRECTION%': direction,
    '%KUMA_SOURCE_SERVICE%': direction === 'OUTBOUND' ? own : 'unknown',
    '%KUMA_DESTINATION_SERVICE%': listenerService,
    '%KUMA_SOURCE_ADDRESS%': `${ip.includes(':') ? `[${ip}]` : ip}:0`,
    '%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%': ip,
  };
  for (const [name, http] of [[HCM, true], [TCP_PROXY, false]] as const) {
    const filters = networkFilters(listener, name);
    if (!filters.length) continue;
    const logs = loggers(conf, { http, vars }, ctx, out);
    if (!logs.length) continue;
    for (const { config } of filters) config.access_log = [...((config.access_log as Obj[] | undefined) ?? []), ...structuredClone(logs)];
  }
}

export const meshAccessLogPlugin: PolicyPlugin = {
  type: 'MeshAccessLog',
  order: 80,
  reads: [MOTB_TYPE],
  apply(ctx, rules, out) {
    forEachOutbound(rules, out, (conf, { listener, origin }) => attach(listener, origin.service, conf as Conf, ctx, out, 'OUTBOUND'));
    forEachInbound(rules, out, (listener, { inbound, origin }) => inbound && attach(listener, origin.service, inbound.conf as Conf, ctx, out, 'INBOUND'));
  },
};

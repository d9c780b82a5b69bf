import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { PROTO_INCLUDE_DIRS } from './proto-paths.ts';

// Envoy's v3 protos (from @grpc/grpc-js-xds's deps/), loaded once with protobufjs, for
// checking and encoding generated resources. keepCase: field names are Envoy's snake_case.

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export const XDS_TYPES = {
  listener: 'envoy.config.listener.v3.Listener',
  cluster: 'envoy.config.cluster.v3.Cluster',
  endpoint: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  route: 'envoy.config.route.v3.RouteConfiguration',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type XdsKind = keyof typeof XDS_TYPES;

export const typeUrl = (kind: XdsKind) => `${TYPE_URL_PREFIX}${XDS_TYPES[kind]}`;

/** Proto files defining everything generators may emit (top-level types and typed_config extensions). */
const FILES = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/direct_response/v3/config.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/health_check/event_sinks/file/v3/file.proto',
  'envoy/extensions/retry/host/omit_host_metadata/v3/omit_host_metadata_config.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/config/trace/v3/datadog.proto',
  'envoy/service/discovery/v3/ads.proto',
];

// google/protobuf/descriptor.proto, which Envoy's annotations import, is not among the files
// protobufjs bundles: it is registered from the JSON protobufjs ships (as grpc's proto-loader does).
const descriptorJson = createRequire(import.meta.url)('protobufjs/google/protobuf/descriptor.json') as { nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } } };
protobuf.common('descriptor', descriptorJson.nested.google.nested.protobuf.nested!);

let root: protobuf.Root | undefined;

export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    for (const dir of PROTO_INCLUDE_DIRS) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

export function lookupType(name: string): protobuf.Type {
  return envoyRoot().lookupType(name);
}

const packagesTried = new Set<string>();

/**
 * Loads the protos of the package of `typeName` (every .proto file of its directory) when
 * they are not among FILES: an Envoy extension that only a MeshProxyPatch names. Once per
 * package; false when there is none or it does not load.
 */
export function loadPackageOf(typeName: string): boolean {
  const rel = typeName.split('.').slice(0, -1).join('/');
  if (!rel || packagesTried.has(rel)) return false;
  packagesTried.add(rel);
  for (const dir of PROTO_INCLUDE_DIRS) {
    const full = join(dir, rel);
    if (!existsSync(full)) continue;
    try {
      const files = readdirSync(full).filter((f) => f.endsWith('.proto')).map((f) => join(rel, f));
      if (!files.length) return false;
      const r = envoyRoot();
      r.loadSync(files, { keepCase: true });
      r.resolveAll();
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

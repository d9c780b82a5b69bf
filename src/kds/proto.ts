import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// Loads kds.proto with Envoy's protos from @grpc/grpc-js-xds's deps/ folder. Loaded once.
// OpenTelemetry's protos (OTLP, imported by Envoy's OpenTelemetry access logger and used by
// meshwork-dp's metrics push) come from @opentelemetry/otlp-grpc-exporter-base, the last
// release that ships them as .proto files.

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const PROTO_INCLUDE_DIRS = [
  join(DEPS, 'envoy-api'),
  join(DEPS, 'xds'),
  join(DEPS, 'googleapis'),
  join(DEPS, 'protoc-gen-validate'),
  join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build', 'protos'),
  dirname(fileURLToPath(new URL('./proto/kds.proto', import.meta.url))),
];

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: PROTO_INCLUDE_DIRS };

type ServiceCtor = grpc.ServiceClientConstructor;

let loaded: { sync: ServiceCtor; global: ServiceCtor } | undefined;

export function kdsServices(): { sync: ServiceCtor; global: ServiceCtor } {
  if (!loaded) {
    const def = protoLoader.loadSync('kds.proto', LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def) as unknown as { meshwork: { kds: { v1: { KDSSyncService: ServiceCtor; GlobalKDSService: ServiceCtor } } } };
    loaded = { sync: pkg.meshwork.kds.v1.KDSSyncService, global: pkg.meshwork.kds.v1.GlobalKDSService };
  }
  return loaded;
}

/** gRPC metadata keys of KDS calls. */
export const MD = {
  clientId: 'client-id',
  zoneInstanceId: 'zone-instance-id',
  features: 'features',
  version: 'version',
  /** The zone's store (memory, redis): shown as its backend in ZoneInsight, as Kuma's config. */
  storeType: 'store-type',
  authorization: 'authorization',
} as const;

export const FEATURES = ['hash-suffix'] as const;

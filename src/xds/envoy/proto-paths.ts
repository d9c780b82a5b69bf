import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as protoLoader from '@grpc/proto-loader';

// Where the protos Meshwork speaks are found: Envoy's (xDS, ADS, admin), with their imports,
// from @grpc/grpc-js-xds's deps/ folder; OpenTelemetry's (OTLP, imported by Envoy's
// OpenTelemetry access logger and used by meshwork-dp's metrics push) from
// @opentelemetry/otlp-grpc-exporter-base, the last release that ships them as .proto files.
// KDS adds its own kds.proto (kds/proto.ts).

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const PROTO_INCLUDE_DIRS: readonly string[] = [
  join(DEPS, 'envoy-api'),
  join(DEPS, 'xds'),
  join(DEPS, 'googleapis'),
  join(DEPS, 'protoc-gen-validate'),
  join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build', 'protos'),
];

/** grpc's proto-loader options for Envoy's protos: proto field names, enums as strings, oneofs named. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [...PROTO_INCLUDE_DIRS] };

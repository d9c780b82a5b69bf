import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_INCLUDE_DIRS, PROTO_LOADER_OPTIONS } from '../xds/envoy/proto-paths.ts';

// Loads kds.proto (it imports Envoy's discovery protos, found through xds/envoy's include
// directories) once.

const LOADER_OPTIONS: protoLoader.Options = { ...PROTO_LOADER_OPTIONS, includeDirs: [...PROTO_INCLUDE_DIRS, dirname(fileURLToPath(new URL('./proto/kds.proto', import.meta.url)))] };

type ServiceCtor = grpc.ServiceClientConstructor;

let loaded: { sync: ServiceCtor; global: ServiceCtor } | undefined;

export function kdsServices(): { sync: ServiceCtor; global: ServiceCtor } {
  if (!loaded) {
    const def = loadSync('kds.proto', LOADER_OPTIONS);
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

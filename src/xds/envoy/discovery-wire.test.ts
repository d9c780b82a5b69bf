import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { adsService } from '../server/ads-server.ts';
import { encodeDeltaDiscoveryResponse, encodeDiscoveryResponse } from './discovery-wire.ts';
import { PROTO_LOADER_OPTIONS } from './proto-paths.ts';

// The hand-written response encoders against proto-loader's, which the ADS service used
// before: both encodings decode to the same message, for every shape the sessions send.

type Method = grpc.MethodDefinition<unknown, unknown>;
const protoLoaderMethods = () => {
  const def = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } };
  const s = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
  return { sotw: s.StreamAggregatedResources as Method, delta: s.DeltaAggregatedResources as Method };
};
const reference = protoLoaderMethods();

const any = (type: string, bytes: number, fill = 7) => ({ type_url: `type.googleapis.com/${type}`, value: Buffer.alloc(bytes, fill) });
// Lengths that need one, two and three varint bytes, and an empty value.
const resources = [any('envoy.config.cluster.v3.Cluster', 0), any('envoy.config.cluster.v3.Cluster', 5), any('envoy.config.listener.v3.Listener', 300, 1), any('envoy.config.listener.v3.Listener', 20_000, 2)];

describe('DiscoveryResponse written over encoded resources', () => {
  const cases = {
    'no resources': { version_info: 'v1', type_url: resources[0]!.type_url, nonce: 'n-1', resources: [] },
    'every size of resource': { version_info: 'abcdef0123456789', type_url: resources[2]!.type_url, nonce: '8c1e9a52-2f1b-4b64-9a43-2f8e4b2f9d11', resources },
    'the same resource twice (its cached bytes)': { version_info: 'v2', type_url: resources[1]!.type_url, nonce: 'n', resources: [resources[1]!, resources[1]!] },
    'non-ASCII text': { version_info: 'vé', type_url: 'type.googleapis.com/x.Ünïcode', nonce: 'ñ', resources: [{ type_url: 'type.googleapis.com/x.Ü', value: Buffer.from([1, 2, 3]) }] },
  };
  for (const [name, message] of Object.entries(cases)) {
    it(`decodes as proto-loader's encoding does: ${name}`, () => {
      const ours = encodeDiscoveryResponse(message);
      expect(reference.sotw.responseDeserialize(ours)).toEqual(reference.sotw.responseDeserialize(reference.sotw.responseSerialize(message)));
    });
  }
});

describe('DeltaDiscoveryResponse written over encoded resources', () => {
  const named = resources.map((resource, i) => ({ name: `outbound:svc-${i}`, version: `ver${i}`, resource }));
  const cases = {
    'resources and removed names': { system_version_info: '', type_url: resources[0]!.type_url, nonce: 'n-1', resources: named, removed_resources: ['gone-1', 'gone-2'] },
    'only removed names, one of them empty': { system_version_info: '', type_url: resources[0]!.type_url, nonce: 'n-2', resources: [], removed_resources: ['', 'x'] },
    'nothing (an answer to a subscription in sync)': { system_version_info: '', type_url: resources[0]!.type_url, nonce: 'n-3', resources: [], removed_resources: [] },
    'the same resource in two responses (its cached bytes)': { system_version_info: 's', type_url: resources[3]!.type_url, nonce: 'n-4', resources: [named[3]!, named[3]!], removed_resources: [] },
  };
  for (const [name, message] of Object.entries(cases)) {
    it(`decodes as proto-loader's encoding does: ${name}`, () => {
      const ours = encodeDeltaDiscoveryResponse(message);
      expect(reference.delta.responseDeserialize(ours)).toEqual(reference.delta.responseDeserialize(reference.delta.responseSerialize(message)));
    });
  }
});

describe('the ADS service', () => {
  it('serializes responses with these encoders, and requests as before', () => {
    const service = adsService();
    expect(service.StreamAggregatedResources!.responseSerialize).toBe(encodeDiscoveryResponse);
    expect(service.DeltaAggregatedResources!.responseSerialize).toBe(encodeDeltaDiscoveryResponse);
    expect(service.StreamAggregatedResources!.requestDeserialize).toBeTypeOf('function');
  });
});

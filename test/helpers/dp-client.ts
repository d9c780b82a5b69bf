import { request } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { adsService } from '../../src/xds/server/ads-server.ts';
import { typeUrl } from '../../src/xds/envoy/protos.ts';

// What a proxy says to a zone's DP server, by hand: the bootstrap request meshwork-dp makes,
// and an ADS stream as Envoy opens one (with whatever node metadata and token the test
// chooses), so that tests can act as a proxy that misbehaves.

/** POST /bootstrap to `cpUrl` (https://127.0.0.1:PORT, self-signed): status and JSON body. */
export function bootstrap(cpUrl: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${cpUrl}/bootstrap`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const AdsClient = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');

/** A node's metadata as Envoy sends it (a Struct of string values). */
export function nodeMetadata(values: Record<string, string>): object {
  return { fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { stringValue: v }])) };
}

/**
 * Opens a SotW ADS stream for `node` (CDS wildcard) and resolves with the first response's
 * type, or rejects with the gRPC error the server ended the stream with. The stream is closed either way.
 */
export function adsFirstResponse(cpUrl: string, node: { id: string; metadata?: object }, token?: string): Promise<string> {
  const target = new URL(cpUrl).host;
  const client = new AdsClient(target, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined })) as unknown as grpc.Client & { StreamAggregatedResources(md: grpc.Metadata): grpc.ClientDuplexStream<object, { type_url: string }> };
  const md = new grpc.Metadata();
  if (token) md.set('authorization', token);
  const stream = client.StreamAggregatedResources(md);
  return new Promise<string>((resolve, reject) => {
    stream.on('data', (res: { type_url: string }) => resolve(res.type_url));
    stream.on('error', reject);
    stream.on('end', () => reject(new Error('the server ended the stream')));
    stream.write({ node, type_url: typeUrl('cluster'), resource_names: [] });
  }).finally(() => {
    stream.cancel();
    client.close();
  });
}

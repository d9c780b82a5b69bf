import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeToObject, encodeJson, ProtoJsonError } from './proto-json.ts';
import { envoyRoot, XDS_TYPES } from './protos.ts';

const listener = {
  name: 'inbound:127.0.0.1:8080',
  address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'inbound',
            stream_idle_timeout: '1.5s',
            route_config: { name: 'r', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timeout: '0.5s' } }] }] },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          },
        },
      ],
    },
  ],
  per_connection_buffer_limit_bytes: 32768,
  metadata: { filter_metadata: { meshwork: { service: 'backend', weight: 1 } } },
};

describe('proto3 JSON → Envoy protos', () => {
  it('encodes nested typed configs, durations, wrappers and structs, and decodes back', () => {
    const bytes = encodeJson('envoy.config.listener.v3.Listener', listener);
    const back = decodeToObject('envoy.config.listener.v3.Listener', bytes) as typeof listener;
    expect(back.name).toBe(listener.name);
    expect(back.per_connection_buffer_limit_bytes).toEqual({ value: 32768 });
    const hcm = back.filter_chains[0]!.filters[0]!.typed_config as unknown as { '@type': string };
    expect(hcm['@type']).toBe('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  });

  it('encodes Struct values so that they survive a round trip', () => {
    const bytes = encodeJson('envoy.config.core.v3.Node', { id: 'n', metadata: { s: 'text', n: 1, b: true, l: [1, 'x'], o: { k: null } } });
    const back = decodeToObject('envoy.config.core.v3.Node', bytes) as { metadata: { fields: Record<string, unknown> } };
    expect(back.metadata.fields).toEqual({
      s: { stringValue: 'text' },
      n: { numberValue: 1 },
      b: { boolValue: true },
      l: { listValue: { values: [{ numberValue: 1 }, { stringValue: 'x' }] } },
      o: { structValue: { fields: { k: { nullValue: 'NULL_VALUE' } } } },
    });
  });

  it('writes canonical protobuf: every golden resource decodes, and protobufjs re-encodes it to the same bytes', () => {
    const dir = new URL('../generate/testdata/', import.meta.url);
    let count = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.golden.yaml'))) {
      const config = parse(readFileSync(new URL(file, dir), 'utf8')) as Record<string, { name?: string; cluster_name?: string }[]>;
      for (const [kind, resources] of Object.entries(config)) {
        const type = envoyRoot().lookupType(XDS_TYPES[kind as keyof typeof XDS_TYPES]);
        for (const r of resources) {
          const bytes = encodeJson(XDS_TYPES[kind as keyof typeof XDS_TYPES], r);
          expect(Buffer.from(type.encode(type.decode(bytes)).finish()).equals(Buffer.from(bytes)), `${file} ${kind} ${r.name ?? r.cluster_name}`).toBe(true);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(100);
  });

  it('writes maps, packed repeated scalars and enums, and 64-bit integers given as strings', () => {
    const cluster = {
      name: 'c',
      type: 'STATIC',
      dns_lookup_family: 'V4_ONLY',
      metadata: { filter_metadata: { a: { k: 'v' } } },
      common_lb_config: { healthy_panic_threshold: { value: 50 } },
      outlier_detection: { consecutive_5xx: 3, interval: '10s' },
      ring_hash_lb_config: { minimum_ring_size: '1024', maximum_ring_size: 2048 },
      health_checks: [{ timeout: '1s', interval: '2s', http_health_check: { path: '/h', expected_statuses: [{ start: 200, end: 300 }], retriable_statuses: [{ start: 500, end: 501 }] } }],
    };
    const back = decodeToObject(XDS_TYPES.cluster, encodeJson(XDS_TYPES.cluster, cluster)) as Record<string, unknown>;
    expect(back).toMatchObject({
      name: 'c',
      type: 'STATIC',
      dns_lookup_family: 'V4_ONLY',
      metadata: { filter_metadata: { a: { fields: { k: { stringValue: 'v' } } } } },
      common_lb_config: { healthy_panic_threshold: { value: 50 } },
      outlier_detection: { consecutive_5xx: { value: 3 }, interval: { seconds: '10' } },
      ring_hash_lb_config: { minimum_ring_size: { value: '1024' }, maximum_ring_size: { value: '2048' } },
    });
    // A packed repeated scalar (retriable status codes) inside an Any, an enum, int64 strings.
    const hcm = { stat_prefix: 's', codec_type: 'AUTO', route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], retry_policy: { retriable_status_codes: [503, 504] } }] }, upgrade_configs: [{ upgrade_type: 'websocket' }], http_filters: [] };
    const any = { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', ...hcm };
    const listener = { name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: any }] }], socket_options: [{ level: '1', name: '2', int_value: '3' }] };
    const type = envoyRoot().lookupType(XDS_TYPES.listener);
    const bytes = encodeJson(XDS_TYPES.listener, listener);
    expect(Buffer.from(type.encode(type.decode(bytes)).finish()).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeToObject(XDS_TYPES.listener, bytes)).toMatchObject({ socket_options: [{ level: '1', name: '2', int_value: '3' }] });
    const hcmType = envoyRoot().lookupType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    const inner = (type.decode(bytes) as unknown as { filter_chains: { filters: { typed_config: { value: Uint8Array } }[] }[] }).filter_chains[0]!.filters[0]!.typed_config.value;
    expect(hcmType.toObject(hcmType.decode(inner), { enums: String })).toMatchObject({ codec_type: 'AUTO', route_config: { virtual_hosts: [{ retry_policy: { retriable_status_codes: [503, 504] } }] } });
    // Packed: one length-delimited field holding both codes (field 7 of RetryPolicy, wire type 2).
    expect(Buffer.from(inner).includes(Buffer.from([0x3a, 0x04, 0xf7, 0x03, 0xf8, 0x03]))).toBe(true);
  });

  it('refuses what Envoy would refuse, naming the path', () => {
    const err = (json: unknown) => {
      try {
        encodeJson('envoy.config.listener.v3.Listener', json);
      } catch (e) {
        if (e instanceof ProtoJsonError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(err({ name: 'x', bogus: 1 })).toBe('bogus: unknown field of Listener');
    expect(err({ address: { socket_address: { port_value: -1 } } })).toBe('address.socket_address.port_value: must not be negative');
    expect(err({ listener_filters_timeout: '5 seconds' })).toMatch(/^listener_filters_timeout: must be a duration string/);
    expect(err({ traffic_direction: 'SIDEWAYS' })).toMatch(/^traffic_direction: unknown value "SIDEWAYS"/);
    expect(err({ filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } }] }] })).toMatch(/typed_config\.@type: unknown type/);
    expect(err({ address: { socket_address: { address: '1.2.3.4', port_value: 1, named_port: 'x' } } })).toMatch(/oneof port_specifier/);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeToObject, encodeJson, ProtoJsonError } from './proto-json.ts';

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

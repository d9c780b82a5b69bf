import { describe, expect, it } from 'vitest';
import { expectInvalid, expectValid } from '../../../test/helpers/validation.ts';
import { withZoneTag } from './dataplane.ts';

// Dataplane validation as Kuma 2.14 validates it (dataplane_validator.go): our own cases, Kuma's
// field paths and messages. Each invalid case names exactly the fields that are refused.

type Obj = Record<string, unknown>;
const dp = (networking: Obj, rest: Obj = {}): Obj => ({ type: 'Dataplane', mesh: 'demo', name: 'orders-1', networking, ...rest });
const svc = (service: string, extra: Record<string, string> = {}) => ({ 'kuma.io/service': service, ...extra });
const sidecar = (more: Obj = {}): Obj => ({ address: '10.1.2.3', inbound: [{ port: 9000, servicePort: 9001, tags: svc('orders', { 'kuma.io/protocol': 'http' }) }], ...more });

const valid: [string, Obj | string][] = [
  ['a sidecar with inbounds and outbounds', dp(sidecar({ outbound: [{ port: 4000, tags: svc('payments') }, { port: 4001, address: '127.0.0.2', tags: svc('stock', { 'kuma.io/protocol': 'grpc' }) }] }))],
  ['IPv6 addresses and a hostname for the proxy', dp({ address: 'orders-1.internal', inbound: [{ port: 9000, address: 'fd00::5', serviceAddress: '::1', tags: svc('orders') }], outbound: [{ port: 4000, address: '::ffff:127.0.0.9', tags: svc('payments') }] })],
  ['an advertised hostname', dp(sidecar({ advertisedAddress: 'orders-1.shop.example.com' }))],
  ['tag names with ":" and "/", values with ":" and "_"', dp(sidecar({ outbound: [{ port: 4000, tags: svc('payments', { 'team.io/owner:x': 'core_v1:blue' }) }] }))],
  ['no inbound: a transparent proxy only', dp({ address: '10.1.2.3', transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 } })],
  ['no inbound: outbounds only', dp({ address: '10.1.2.3', outbound: [{ port: 4000, tags: svc('payments') }] })],
  ['an inbound protocol field (Kuma 2.14; 3.0 reads only it), with or without tags', dp({ address: '10.1.2.3', inbound: [{ port: 9000, name: 'http', protocol: 'http' }, { port: 9100, protocol: 'grpc', tags: svc('orders') }] })],
  ['an inbound without tags (Kuma InboundTagsDisabled)', dp({ address: '10.1.2.3', inbound: [{ port: 9000, name: 'http' }, { port: 9100, tags: {} }] })],
  ['a service probe with positive durations and thresholds', dp(sidecar({ inbound: [{ port: 9000, tags: svc('orders'), serviceProbe: { interval: '5s', timeout: '500ms', healthyThreshold: 1, unhealthyThreshold: 3, tcp: {} } }] }))],
  ['serviceAddress equal to the address on another port', dp({ address: '10.1.2.3', inbound: [{ port: 9000, serviceAddress: '10.1.2.3', servicePort: 9001, tags: svc('orders') }] })],
  ['serviceAddress equal to the inbound address on another port', dp({ address: '10.1.2.3', inbound: [{ port: 9000, address: '10.1.2.4', serviceAddress: '10.1.2.4', servicePort: 9001, tags: svc('orders') }] })],
  ['a delegated gateway with outbounds', dp({ address: '10.1.2.3', gateway: { tags: svc('edge', { 'kuma.io/protocol': 'TCP' }) }, outbound: [{ port: 4000, tags: svc('orders') }] })],
  ['a delegated gateway with empty tags', dp({ address: '10.1.2.3', gateway: { type: 'DELEGATED', tags: {} } })],
  ['a builtin gateway', dp({ address: '10.1.2.3', gateway: { type: 'BUILTIN', tags: svc('edge') } })],
  ['a gateway\'s metrics are not checked (Kuma checks them on sidecars only)', dp({ address: '10.1.2.3', gateway: { tags: svc('edge') } }, { metrics: { type: 'statsd' } })],
  [
    'outbounds by backendRef: by name with a port, a MeshExternalService without one, by labels',
    dp(sidecar({ outbound: [{ port: 4000, backendRef: { kind: 'MeshService', name: 'payments', port: 8080 } }, { port: 4001, backendRef: { kind: 'MeshExternalService', name: 'bank' } }, { port: 4002, backendRef: { kind: 'MeshMultiZoneService', labels: { 'kuma.io/display-name': 'stock' }, port: 80 } }] })),
  ],
  [
    'reachable backends by name, by name and namespace, by labels',
    dp(sidecar({ transparentProxying: { redirectPortOutbound: 15001, reachableBackends: { refs: [{ kind: 'MeshService', name: 'payments', port: 8080 }, { kind: 'MeshExternalService', name: 'bank', namespace: 'ext' }, { kind: 'MeshMultiZoneService', labels: { team: 'core' } }] } } })),
  ],
  ['the admin port equal to an inbound\'s and an outbound\'s on other interfaces', dp({ address: '10.1.2.3', admin: { port: 9000 }, inbound: [{ port: 9000, servicePort: 9001, serviceAddress: '10.1.2.5', tags: svc('orders') }], outbound: [{ port: 9000, address: '127.0.0.5', tags: svc('payments') }] })],
  ['virtual probes with absolute paths', dp(sidecar(), { probes: { port: 9901, endpoints: [{ inboundPort: 9001, inboundPath: '/ready', path: '/9001/ready' }] } })],
  ['prometheus metrics with distinct aggregates and matching TLS settings', dp(sidecar(), { metrics: { type: 'prometheus', conf: { port: 5670, skipMTLS: true, tls: { mode: 'disabled' }, envoy: { filterRegex: '^cluster\\.' }, aggregate: [{ name: 'app', port: 8081, path: '/metrics' }, { name: 'jobs', port: 8082 }] } } })],
  [
    'zone proxy listeners (not served yet): ingress and egress, unnamed, beside an inbound',
    `
type: Dataplane
mesh: demo
name: zone-proxy
networking:
  address: 10.1.2.3
  inbound:
    - port: 9000
      name: http
      tags:
        kuma.io/service: orders
  listeners:
    - type: ZoneIngress
      address: 10.1.2.3
      port: 10001
      name: ingress
    - type: ZoneEgress
      address: 10.1.2.3
      port: 10002
    - type: ZoneIngress
      address: 10.1.2.3
      port: 10003
      state: NotReady
`,
  ],
  ['listeners only (a zone proxy)', dp({ address: '10.1.2.3', listeners: [{ type: 'ZoneEgress', address: '10.1.2.3', port: 10002, name: 'egress' }] })],
];

const invalid: [string, Obj | string, string[] | Record<string, string | string[]>][] = [
  // networking and its address
  ['no networking', { type: 'Dataplane', mesh: 'demo', name: 'orders-1' }, { networking: 'must be defined' }],
  ['no address', dp({ inbound: [{ port: 9000, tags: svc('orders') }] }), { 'networking.address': "address can't be empty" }],
  ['an empty address', dp({ address: '' }), { 'networking.address': "address can't be empty" }],
  ['the address 0.0.0.0', dp({ address: '0.0.0.0' }), { 'networking.address': 'must not be 0.0.0.0 or ::' }],
  ['the address ::', dp({ address: '::' }), { 'networking.address': 'must not be 0.0.0.0 or ::' }],
  ['an address neither IP nor DNS name', dp({ address: 'orders 1' }), { 'networking.address': 'address has to be valid IP address or domain name' }],
  ['an IPv4 address with a leading zero is no IP (nor DNS name)', dp({ address: '10.01.2.3', inbound: [{ port: 9000, address: '10.01.2.3', tags: svc('orders') }] }), { 'networking.inbound[0].address': 'address has to be valid IP address' }],
  // inbounds
  ['inbound ports missing and out of range', dp({ address: '10.1.2.3', inbound: [{ tags: svc('orders') }, { port: 70000, tags: svc('orders') }, { port: 9000, servicePort: 0, tags: svc('orders') }] }), { 'networking.inbound[0].port': 'port must be in the range [1, 65535]', 'networking.inbound[1].port': 'port must be in the range [1, 65535]', 'networking.inbound[2].servicePort': 'port must be in the range [1, 65535]' }],
  ['an inbound address that is a hostname', dp({ address: '10.1.2.3', inbound: [{ port: 9000, address: 'orders.local', tags: svc('orders') }] }), { 'networking.inbound[0].address': 'address has to be valid IP address' }],
  ['an inbound serviceAddress that is no IP', dp({ address: '10.1.2.3', inbound: [{ port: 9000, serviceAddress: 'localhost', tags: svc('orders') }] }), { 'networking.inbound[0].serviceAddress': 'serviceAddress has to be valid IP address' }],
  ['serviceAddress and port equal to the proxy\'s address and the port', dp({ address: '10.1.2.3', inbound: [{ port: 9000, serviceAddress: '10.1.2.3', tags: svc('orders') }] }), { 'networking.inbound[0].serviceAddress': 'serviceAddress and servicePort has to differ from address and port' }],
  ['serviceAddress and servicePort equal to the inbound\'s address and port', dp({ address: '10.1.2.3', inbound: [{ port: 9000, address: '10.1.2.4', serviceAddress: '10.1.2.4', servicePort: 9000, tags: svc('orders') }] }), { 'networking.inbound[0].serviceAddress': 'serviceAddress and servicePort has to differ from address and port' }],
  ['inbound tags without the service tag', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: { version: 'v2' } }] }), { 'networking.inbound[0].tags["kuma.io/service"]': 'tag has to exist' }],
  ['a tag name with invalid characters', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { 'team#1': 'core' }) }] }), { 'networking.inbound[0].tags["team#1"]': 'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores' }],
  ['a tag value with invalid characters', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { owner: 'a/b' }) }] }), { 'networking.inbound[0].tags["owner"]': 'tag value must consist of alphanumeric characters, dots, dashes and underscores' }],
  ['an empty tag value', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { owner: '' }) }] }), { 'networking.inbound[0].tags["owner"]': 'tag value must be non-empty' }],
  ['a tag without a value (YAML null)', 'type: Dataplane\nmesh: demo\nname: orders-1\nnetworking:\n  address: 10.1.2.3\n  inbound:\n    - port: 9000\n      tags:\n        kuma.io/service: orders\n        owner:\n', { 'networking.inbound[0].tags["owner"]': 'tag value must be non-empty' }],
  ['an empty tag name', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { '': 'x' }) }] }), { 'networking.inbound[0].tags': 'tag name must be non-empty' }],
  ['an unknown protocol', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { 'kuma.io/protocol': 'udp' }) }] }), { 'networking.inbound[0].tags["kuma.io/protocol"]': 'tag "kuma.io/protocol" has an invalid value "udp". Allowed values: grpc, http, http2, kafka, tcp' }],
  ['an unknown protocol field', dp({ address: '10.1.2.3', inbound: [{ port: 9000, protocol: 'udp', tags: svc('orders') }] }), { 'networking.inbound[0].protocol': 'has an invalid value "udp". Allowed values: grpc, http, http2, kafka, tcp' }],
  ['an empty protocol', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders', { 'kuma.io/protocol': '' }) }] }), { 'networking.inbound[0].tags["kuma.io/protocol"]': ['tag "kuma.io/protocol" has an invalid value "". Allowed values: grpc, http, http2, kafka, tcp', 'tag value must be non-empty'] }],
  ['a service probe with a zero interval and threshold', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders'), serviceProbe: { interval: '0s', timeout: '1s', unhealthyThreshold: 0 } }] }), { 'networking.inbound[0].serviceProbe.interval': 'must have a positive value', 'networking.inbound[0].serviceProbe.unhealthyThreshold': 'must have a positive value' }],
  ['two inbounds on one address and port (Meshwork)', dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders') }, { port: 9000, address: '10.1.2.3', tags: svc('orders-admin') }] }), ['networking.inbound[1].port']],
  // outbounds
  ['outbound ports missing and out of range', dp({ address: '10.1.2.3', outbound: [{ tags: svc('payments') }, { port: 0, tags: svc('stock') }] }), { 'networking.outbound[0].port': 'port must be in the range [1, 65535]', 'networking.outbound[1].port': 'port must be in the range [1, 65535]' }],
  ['an outbound address that is a hostname', dp({ address: '10.1.2.3', outbound: [{ port: 4000, address: 'localhost', tags: svc('payments') }] }), { 'networking.outbound[0].address': 'address has to be valid IP address' }],
  ['an outbound with neither tags nor backendRef', dp({ address: '10.1.2.3', outbound: [{ port: 4000 }] }), { 'networking.outbound[0].tags': 'mandatory tag "kuma.io/service" is missing' }],
  ['outbound tags without the service tag', dp({ address: '10.1.2.3', outbound: [{ port: 4000, tags: { version: 'v1' } }] }), { 'networking.outbound[0].tags': 'mandatory tag "kuma.io/service" is missing' }],
  ['outbound tags with invalid characters', dp({ address: '10.1.2.3', outbound: [{ port: 4000, tags: svc('payments', { 'a b': 'c' }) }] }), ['networking.outbound[0].tags["a b"]']],
  [
    'an empty backendRef',
    dp({ address: '10.1.2.3', outbound: [{ port: 4000, backendRef: {} }] }),
    { 'networking.outbound[0].backendRef.kind': 'invalid value. Available values are: MeshExternalService,MeshMultiZoneService,MeshService', 'networking.outbound[0].backendRef': "either 'name' or 'labels' should be specified", 'networking.outbound[0].backendRef.port': 'port must be in the range [1, 65535]' },
  ],
  ['a backendRef of an unknown kind', dp({ address: '10.1.2.3', outbound: [{ port: 4000, backendRef: { kind: 'Service', name: 'payments', port: 80 } }] }), ['networking.outbound[0].backendRef.kind']],
  ['a MeshService backendRef without a port', dp({ address: '10.1.2.3', outbound: [{ port: 4000, backendRef: { kind: 'MeshService', name: 'payments' } }] }), { 'networking.outbound[0].backendRef.port': 'port must be in the range [1, 65535]' }],
  ['a backendRef beside tags', dp({ address: '10.1.2.3', outbound: [{ port: 4000, tags: svc('payments'), backendRef: { kind: 'MeshService', name: 'payments', port: 80 } }, { port: 4001, tags: { version: 'v1' }, backendRef: { kind: 'MeshExternalService', name: 'bank' } }] }), { 'networking.outbound[0].backendRef': 'both backendRef and tags/service cannot be defined', 'networking.outbound[1].backendRef': 'both backendRef and tags/service cannot be defined' }],
  ['two outbounds on one address and port (Meshwork)', dp({ address: '10.1.2.3', outbound: [{ port: 4000, tags: svc('payments') }, { port: 4000, tags: svc('stock') }] }), ['networking.outbound[1].port']],
  // reachable backends (Kuma's path says transparentProxing, a field no document has; Meshwork names the real one)
  [
    'reachable backends that Kuma refuses',
    dp(sidecar({ transparentProxying: { reachableBackends: { refs: [{ kind: 'Service', name: 'payments' }, { kind: 'MeshService', name: 'Payments_1' }, { kind: 'MeshService', name: 'payments', labels: { team: 'core' } }, { kind: 'MeshService', namespace: 'shop', labels: { team: 'core' } }, { kind: 'MeshService' }] } } })),
    {
      'networking.transparentProxying.reachableBackends.refs[0].kind': 'invalid value. Available values are: MeshExternalService,MeshMultiZoneService,MeshService',
      'networking.transparentProxying.reachableBackends.refs[1].name': "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      'networking.transparentProxying.reachableBackends.refs[2].labels': 'labels cannot be defined when name is specified',
      'networking.transparentProxying.reachableBackends.refs[3].name': 'name is required, when namespace is defined',
      'networking.transparentProxying.reachableBackends.refs[3].labels': 'labels cannot be defined when name is specified',
      'networking.transparentProxying.reachableBackends.refs[4].name': 'name or labels are required',
    },
  ],
  // the admin port
  ['the admin port equal to an inbound port on the loopback', dp({ address: '10.1.2.3', admin: { port: 9000 }, inbound: [{ port: 9000, address: '127.0.0.1', servicePort: 9001, tags: svc('orders') }] }), { 'networking.admin.port': 'must differ from inbound' }],
  ['the admin port equal to the workload\'s port on the loopback', dp({ address: '10.1.2.3', admin: { port: 9001 }, inbound: [{ port: 9000, serviceAddress: '127.0.0.1', servicePort: 9001, tags: svc('orders') }] }), { 'networking.admin.port': 'must differ from inbound' }],
  ['the admin port equal to an inbound port on 0.0.0.0', dp({ address: '10.1.2.3', admin: { port: 9000 }, inbound: [{ port: 9000, address: '0.0.0.0', servicePort: 9001, tags: svc('orders') }] }), { 'networking.admin.port': 'must differ from inbound' }],
  ['the admin port equal to an outbound port (loopback by default)', dp({ address: '10.1.2.3', admin: { port: 4000 }, outbound: [{ port: 4000, tags: svc('payments') }] }), { 'networking.admin.port': 'must differ from outbound' }],
  // gateways
  ['a delegated gateway with inbounds', dp({ address: '10.1.2.3', gateway: { tags: svc('edge') }, inbound: [{ port: 9000, tags: svc('edge') }] }), { 'networking.inbound': 'inbound cannot be defined for delegated gateways' }],
  ['a delegated gateway with listeners', dp({ address: '10.1.2.3', gateway: { type: 'DELEGATED', tags: svc('edge') }, listeners: [{ type: 'ZoneEgress', address: '10.1.2.3', port: 10002 }] }), { 'networking.listeners': 'listeners cannot be defined for delegated gateways' }],
  ['a builtin gateway with inbounds', dp({ address: '10.1.2.3', gateway: { type: 'BUILTIN', tags: svc('edge') }, inbound: [{ port: 9000, tags: svc('edge') }] }), { 'networking.inbound': 'inbound cannot be defined for builtin gateways' }],
  ['a builtin gateway with outbounds', dp({ address: '10.1.2.3', gateway: { type: 'BUILTIN', tags: svc('edge') }, outbound: [{ port: 4000, tags: svc('orders') }] }), { 'networking.outbound': 'outbound cannot be defined for builtin gateways' }],
  ['a builtin gateway with listeners and probes (probes not checked further)', dp({ address: '10.1.2.3', gateway: { type: 'BUILTIN', tags: svc('edge') }, listeners: [{ type: 'ZoneIngress', address: '10.1.2.3', port: 10001 }] }, { probes: { port: 0, endpoints: [{ inboundPort: 9000, inboundPath: 'ready', path: '/ready' }] } }), { 'networking.listeners': 'listeners cannot be defined for builtin gateways', 'networking.probes': 'probes cannot be defined for builtin gateways' }],
  ['gateway tags without the service tag', dp({ address: '10.1.2.3', gateway: { type: 'BUILTIN', tags: { team: 'edge' } } }), { 'networking.gateway.tags': 'mandatory tag "kuma.io/service" is missing' }],
  ['a gateway protocol other than tcp', dp({ address: '10.1.2.3', gateway: { tags: svc('edge', { 'kuma.io/protocol': 'http' }) } }), { 'networking.gateway.tags["kuma.io/protocol"]': 'other values than tcp are not allowed, provided value "http"' }],
  ['gateway tag values with invalid characters', dp({ address: '10.1.2.3', gateway: { tags: svc('edge', { tier: 'front end' }) } }), ['networking.gateway.tags["tier"]']],
  // probes and metrics
  [
    'virtual probes: ports out of range, relative and empty paths',
    dp(sidecar(), { probes: { endpoints: [{ inboundPort: 9001, inboundPath: '/ready', path: '/9001/ready' }, { inboundPort: 100000, inboundPath: 'ready', path: '9001/ready' }, { inboundPort: 9001 }] } }),
    {
      'probes.port': 'port must be in the range [1, 65535]',
      'probes.endpoints[1].inboundPort': 'port must be in the range [1, 65535]',
      'probes.endpoints[1].inboundPath': 'should be a valid URL Path',
      'probes.endpoints[1].path': 'should be a valid URL Path',
      'probes.endpoints[2].inboundPath': 'should be a valid URL Path',
      'probes.endpoints[2].path': 'should be a valid URL Path',
    },
  ],
  ['probe paths given as YAML null', 'type: Dataplane\nmesh: demo\nname: orders-1\nnetworking:\n  address: 10.1.2.3\nprobes:\n  port: 9901\n  endpoints:\n    - inboundPort: 9001\n      inboundPath:\n      path:\n', ['probes.endpoints[0].inboundPath', 'probes.endpoints[0].path']],
  ['an unknown metrics backend type', dp(sidecar(), { metrics: { type: 'statsd' } }), { 'metrics.type': 'unknown backend type. Available backends: "prometheus"' }],
  ['duplicate aggregate names', dp(sidecar(), { metrics: { type: 'prometheus', conf: { aggregate: [{ name: 'app', port: 8081 }, { name: 'jobs', port: 8082 }, { name: 'app', port: 8083 }] } } }), { 'metrics.conf.aggregate[2].name': 'duplicate entry: app, values have to be unique' }],
  ['skipMTLS contradicting the tls mode', dp(sidecar(), { metrics: { type: 'prometheus', conf: { skipMTLS: false, tls: { mode: 'disabled' } } } }), { 'metrics.conf': 'skipMTLS and tls configuration cannot be defined together' }],
  ['a metrics filter that is no regexp', dp(sidecar(), { metrics: { type: 'prometheus', conf: { envoy: { filterRegex: '(' } } } }), ['metrics.conf.envoy.filterRegex']],
  ['an unknown field of the prometheus conf', dp(sidecar(), { metrics: { type: 'prometheus', conf: { interval: '10s' } } }), { 'metrics.conf.interval': 'unknown field' }],
  // listeners
  [
    'listeners without type, address or port',
    dp({ address: '10.1.2.3', listeners: [{ address: '10.1.2.3', port: 10001 }, { type: 'ZoneIngress', port: 10002 }, { type: 'ZoneEgress', address: '10.1.2.3' }, { type: 'ZoneEgress', address: 'not valid', port: 65536 }] }),
    {
      'networking.listeners[0].type': 'type must be ZoneIngress or ZoneEgress',
      'networking.listeners[1].address': "address can't be empty",
      'networking.listeners[2].port': 'port must be in the range [1, 65535]',
      'networking.listeners[3].address': 'address has to be valid IP address or domain name',
      'networking.listeners[3].port': 'port must be in the range [1, 65535]',
    },
  ],
  [
    'listener names shared with an inbound (by name or by port) or another listener',
    dp({ address: '10.1.2.3', inbound: [{ port: 9000, name: 'http', tags: svc('orders') }, { port: 9100, tags: svc('orders') }], listeners: [{ type: 'ZoneIngress', address: '10.1.2.3', port: 10001, name: 'http' }, { type: 'ZoneIngress', address: '10.1.2.3', port: 10002, name: '9100' }, { type: 'ZoneEgress', address: '10.1.2.3', port: 10003, name: 'zone' }, { type: 'ZoneEgress', address: '10.1.2.3', port: 10004, name: 'zone' }] }),
    {
      'networking.listeners[0].name': 'name "http" must be unique across inbounds and listeners',
      'networking.listeners[1].name': 'name "9100" must be unique across inbounds and listeners',
      'networking.listeners[3].name': 'name "zone" must be unique across inbounds and listeners',
    },
  ],
  [
    'listeners sharing an address and port, with each other or an inbound',
    dp({ address: '10.1.2.3', inbound: [{ port: 9000, tags: svc('orders') }], listeners: [{ type: 'ZoneIngress', address: '10.1.2.3', port: 10001 }, { type: 'ZoneIngress', address: '10.1.2.3', port: 10001 }, { type: 'ZoneEgress', address: '10.1.2.3', port: 10001 }, { type: 'ZoneEgress', address: '10.1.2.3', port: 9000 }] }),
    {
      'networking.listeners[1]': 'address:port 10.1.2.3:10001 is already used by another listener',
      'networking.listeners[2]': 'address:port 10.1.2.3:10001 is used by listeners of different types',
      'networking.listeners[3]': 'address:port 10.1.2.3:9000 collides with an inbound listener',
    },
  ],
  // Meshwork refuses fields it does not know (Kuma ignores them)
  ['an unknown field', dp(sidecar({ ingress: {} })), { 'networking.ingress': 'unknown field' }],
  ['an advertised address neither IP nor hostname (Meshwork)', dp(sidecar({ advertisedAddress: 'orders 1' })), ['networking.advertisedAddress']],
];

describe('Dataplane validation (Kuma 2.14 rules)', () => {
  it.each(valid)('accepts %s', (_name, doc) => {
    expectValid(doc);
  });
  it.each(invalid)('refuses %s', (_name, doc, fields) => {
    expectInvalid(doc, fields);
  });
});

describe('the zone tag of a named zone', () => {
  it('is added to inbounds with tags only: an inbound without tags stays without (a zone tag alone is no valid tag set)', () => {
    const spec = { networking: { address: '10.1.2.3', inbound: [{ port: 9000 }, { port: 9100, tags: {} }, { port: 9200, tags: svc('orders') }] } };
    const zoned = withZoneTag(spec, 'east');
    expect(zoned.networking.inbound!.map((ib) => ib.tags)).toEqual([undefined, {}, svc('orders', { 'kuma.io/zone': 'east' })]);
    expectValid(dp(zoned.networking));
  });
});

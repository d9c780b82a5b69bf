import { describe, it } from 'vitest';
import { expectInvalid, expectValid } from '../../../test/helpers/validation.ts';

// Mesh validation as Kuma 2.14 validates it (mesh_validator.go): our own cases, Kuma's field
// paths and messages. The legacy logging, tracing and metrics sections are accepted and checked,
// not acted on. Kuma reports a logging or tracing backend's conf rules under `config`; Meshwork names `conf`.

type Obj = Record<string, unknown>;
const mesh = (spec: Obj): Obj => ({ type: 'Mesh', name: 'shop', ...spec });
const ca = (name = 'ca-main', more: Obj = {}) => ({ name, type: 'builtin', ...more });

const valid: [string, Obj | string][] = [
  ['an empty mesh', mesh({})],
  ['mTLS with one backend and a zone egress', mesh({ mtls: { enabledBackend: 'ca-main', backends: [ca('ca-main', { dpCert: { rotation: { expiration: '36h' } } })] }, routing: { zoneEgress: true } })],
  [
    'the legacy sections in Kuma\'s shape',
    `
type: Mesh
name: shop
logging:
  defaultBackend: to-file
  backends:
    - name: to-file
      type: file
      conf:
        path: /var/log/shop.log
    - name: to-logstash
      type: tcp
      format: '%START_TIME% %KUMA_SOURCE_SERVICE%'
      conf:
        address: logstash.shop:5000
    - name: to-v6
      type: tcp
      conf:
        address: '[fd00::7]:5000'
tracing:
  defaultBackend: zipkin
  backends:
    - name: zipkin
      type: zipkin
      sampling: 12.5
      conf:
        url: http://zipkin.shop:9411/api/v2/spans
        apiVersion: httpJson
        traceId128bit: true
    - name: dd
      type: datadog
      sampling: 100
      conf:
        address: 127.0.0.1
        port: 8126
        splitService: true
metrics:
  enabledBackend: prom
  backends:
    - name: prom
      type: prometheus
      conf:
        port: 5670
        path: /metrics
        skipMTLS: false
        tls:
          mode: activeMTLSBackend
        envoy:
          filterRegex: ^http\\.
          usedOnly: true
        aggregate:
          - name: app
            port: 8081
            path: /stats
          - name: worker
            port: 8082
`,
  ],
  ['dataplane proxy constraints with selector values ("/" and "*")', mesh({ constraints: { dataplaneProxy: { requirements: [{ tags: { 'kuma.io/zone': 'east', 'k8s.kuma.io/namespace': 'shop/ns' } }], restrictions: [{ tags: { team: '*' } }] } } })],
];

const invalid: [string, Obj | string, string[] | Record<string, string | string[]>][] = [
  // mtls
  ['two mTLS backends', mesh({ mtls: { enabledBackend: 'ca-a', backends: [ca('ca-a'), ca('ca-b')] } }), { 'mtls.backends': 'cannot have more than 1 backends' }],
  ['two mTLS backends of one name', mesh({ mtls: { backends: [ca('ca-a'), ca('ca-a')] } }), { 'mtls.backends': 'cannot have more than 1 backends', 'mtls.backends[1].name': '"ca-a" name is already used for another backend' }],
  ['an enabledBackend that is no backend', mesh({ mtls: { enabledBackend: 'ca-x', backends: [ca('ca-a')] } }), { 'mtls.enabledBackend': 'has to be set to one of the backends in the mesh' }],
  ['a dpCert rotation that is no duration', mesh({ mtls: { enabledBackend: 'ca-a', backends: [ca('ca-a', { dpCert: { rotation: { expiration: 'soon' } } })] } }), { 'mtls.backends[0].dpCert.rotation.expiration': 'has to be a valid format' }],
  ['a zone egress without mTLS', mesh({ routing: { zoneEgress: true } }), { mtls: 'has to be set when zoneEgress enabled' }],
  ['a zone egress with mTLS backends but none enabled', mesh({ mtls: { backends: [ca('ca-a')] }, routing: { zoneEgress: true } }), { mtls: 'has to be set when zoneEgress enabled' }],
  // logging
  ['a logging backend without a name (YAML null)', 'type: Mesh\nname: shop\nlogging:\n  backends:\n    - name:\n      type: file\n      conf:\n        path: /tmp/log\n', { 'logging.backends[0].name': 'cannot be empty' }],
  ['two logging backends of one name', mesh({ logging: { backends: [{ name: 'out', type: 'file', conf: { path: '/a' } }, { name: 'out', type: 'tcp', conf: { address: 'l:1' } }] } }), { 'logging.backends[1].name': '"out" name is already used for another backend' }],
  ['a file logging backend without a path', mesh({ logging: { backends: [{ name: 'out', type: 'file' }, { name: 'out-2', type: 'file', conf: { path: null } }] } }), { 'logging.backends[0].conf.path': 'cannot be empty', 'logging.backends[1].conf.path': 'cannot be empty' }],
  ['a tcp logging backend without an address', mesh({ logging: { backends: [{ name: 'out', type: 'tcp', conf: {} }] } }), { 'logging.backends[0].conf.address': 'cannot be empty' }],
  ['tcp logging addresses not HOST:PORT', mesh({ logging: { backends: [{ name: 'a', type: 'tcp', conf: { address: 'logstash' } }, { name: 'b', type: 'tcp', conf: { address: 'fd00::1:5000' } }, { name: 'c', type: 'tcp', conf: { address: ':5000' } }] } }), { 'logging.backends[0].conf.address': 'has to be in format of HOST:PORT', 'logging.backends[1].conf.address': 'has to be in format of HOST:PORT', 'logging.backends[2].conf.address': 'has to be in format of HOST:PORT' }],
  ['an unknown logging backend type', mesh({ logging: { backends: [{ name: 'out', type: 'syslog' }] } }), { 'logging.backends[0].type': 'unknown backend type. Available backends: "tcp", "file"' }],
  ['a default logging backend that is no backend', mesh({ logging: { defaultBackend: 'nowhere', backends: [{ name: 'out', type: 'file', conf: { path: '/a' } }] } }), { 'logging.defaultBackend': 'has to be set to one of the logging backend in mesh' }],
  ['an unknown field of a logging conf (Meshwork; named as given)', mesh({ logging: { backends: [{ name: 'out', type: 'file', conf: { path: '/a', rotate: true } }] } }), { 'logging.backends[0].conf.rotate': 'unknown field' }],
  // tracing
  ['a tracing backend without a name', mesh({ tracing: { backends: [{ type: 'zipkin', conf: { url: 'http://z:9411/api' } }] } }), { 'tracing.backends[0].name': 'cannot be empty' }],
  ['two tracing backends of one name', mesh({ tracing: { backends: [{ name: 'z', type: 'zipkin', conf: { url: 'http://z:9411/a' } }, { name: 'z', type: 'datadog', conf: { address: 'dd', port: 8126 } }] } }), { 'tracing.backends[1].name': '"z" name is already used for another backend' }],
  ['a sampling outside 0–100', mesh({ tracing: { backends: [{ name: 'z', type: 'zipkin', sampling: -1, conf: { url: 'http://z:9411/a' } }, { name: 'y', type: 'zipkin', sampling: 100.5, conf: { url: 'http://z:9411/a' } }] } }), { 'tracing.backends[0].sampling': 'has to be in [0.0 - 100.0] range', 'tracing.backends[1].sampling': 'has to be in [0.0 - 100.0] range' }],
  ['zipkin urls: none, relative, without a port', mesh({ tracing: { backends: [{ name: 'a', type: 'zipkin' }, { name: 'b', type: 'zipkin', conf: { url: 'zipkin/api' } }, { name: 'c', type: 'zipkin', conf: { url: 'https://zipkin.shop/api' } }] } }), { 'tracing.backends[0].conf.url': 'cannot be empty', 'tracing.backends[1].conf.url': 'invalid URL', 'tracing.backends[2].conf.url': 'port has to be explicitly specified' }],
  ['an unknown zipkin apiVersion', mesh({ tracing: { backends: [{ name: 'z', type: 'zipkin', conf: { url: 'http://z:9411/a', apiVersion: 'v3' } }] } }), { 'tracing.backends[0].conf.apiVersion': 'has invalid value. Allowed values: httpJsonV1, httpJson, httpProto' }],
  ['a datadog backend without address and port', mesh({ tracing: { backends: [{ name: 'dd', type: 'datadog', conf: {} }] } }), { 'tracing.backends[0].conf.address': 'cannot be empty', 'tracing.backends[0].conf.port': 'port must be in the range [1, 65535]' }],
  ['an unknown tracing backend type', mesh({ tracing: { backends: [{ name: 'j', type: 'jaeger' }] } }), { 'tracing.backends[0].type': 'unknown backend type. Available backends: "zipkin", "datadog"' }],
  ['a default tracing backend that is no backend', mesh({ tracing: { defaultBackend: 'nowhere', backends: [] } }), { 'tracing.defaultBackend': 'has to be set to one of the tracing backend in mesh' }],
  // metrics
  ['two metrics backends of one name', mesh({ metrics: { backends: [{ name: 'prom', type: 'prometheus' }, { name: 'prom', type: 'prometheus' }] } }), { 'metrics.backends[1].name': '"prom" name is already used for another backend' }],
  ['an unknown metrics backend type', mesh({ metrics: { backends: [{ name: 'sd', type: 'statsd' }] } }), { 'metrics.backends[0].type': 'unknown backend type. Available backends: "prometheus"' }],
  ['an enabled metrics backend that is no backend', mesh({ metrics: { enabledBackend: 'other', backends: [{ name: 'prom', type: 'prometheus' }] } }), { 'metrics.enabledBackend': 'has to be set to one of the backends in the mesh' }],
  ['duplicate aggregate names, per backend', mesh({ metrics: { backends: [{ name: 'a', type: 'prometheus', conf: { aggregate: [{ name: 'app' }, { name: 'app' }] } }, { name: 'b', type: 'prometheus', conf: { aggregate: [{ name: 'app' }, { name: 'x' }, { name: 'x' }] } }] } }), { 'metrics.backends[0].conf.aggregate[1].name': 'duplicate entry: app, values have to be unique', 'metrics.backends[1].conf.aggregate[2].name': 'duplicate entry: x, values have to be unique' }],
  ['skipMTLS contradicting the tls mode', mesh({ metrics: { backends: [{ name: 'a', type: 'prometheus', conf: { skipMTLS: true, tls: { mode: 'providedTLS' } } }, { name: 'b', type: 'prometheus', conf: { skipMTLS: true, tls: {} } }] } }), { 'metrics.backends[0].conf': 'skipMTLS and tls configuration cannot be defined together', 'metrics.backends[1].conf': 'skipMTLS and tls configuration cannot be defined together' }],
  // constraints
  [
    'dataplane proxy constraints: no tags, an empty name, invalid characters',
    mesh({ constraints: { dataplaneProxy: { requirements: [{}, { tags: { '': 'x' } }], restrictions: [{ tags: { 'a b': 'c d' } }] } } }),
    {
      'constraints.dataplaneProxy.requirements[0].tags': 'must have at least one tag',
      'constraints.dataplaneProxy.requirements[1].tags': 'tag name must be non-empty',
      'constraints.dataplaneProxy.restrictions[0].tags["a b"]': ['tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores', 'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"'],
    },
  ],
  ['a constraint tag without a value', mesh({ constraints: { dataplaneProxy: { requirements: [{ tags: { team: '' } }] } } }), { 'constraints.dataplaneProxy.requirements[0].tags["team"]': 'tag value must be non-empty' }],
];

describe('Mesh validation (Kuma 2.14 rules)', () => {
  it.each(valid)('accepts %s', (_name, doc) => {
    expectValid(doc);
  });
  it.each(invalid)('refuses %s', (_name, doc, fields) => {
    expectInvalid(doc, fields);
  });
});

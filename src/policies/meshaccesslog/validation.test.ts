import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshAccessLog, as Kuma 2.14 validates it (meshaccesslog/api/v1alpha1/validator.go).

const to = (backends: string) => `to: [{targetRef: {kind: Mesh}, default: {backends: [${backends}]}}]`;

policyValidationTable('MeshAccessLog', {
  valid: [
    { name: 'file, tcp and OpenTelemetry backends', spec: to('{type: File, file: {path: /var/log/access.log, format: {type: Json, json: [{key: start, value: "%START_TIME%"}]}}}, {type: Tcp, tcp: {address: "logstash:5000"}}, {type: OpenTelemetry, openTelemetry: {endpoint: "otel:4317", attributes: [{key: kuma.mesh, value: "%KUMA_MESH%"}]}}') },
    { name: 'a MeshOpenTelemetryBackend by labels', spec: to('{type: OpenTelemetry, openTelemetry: {backendRef: {kind: MeshOpenTelemetryBackend, labels: {team: obs}}}}') },
    { name: 'rules only', spec: `rules: [{default: {backends: [{file: {path: /tmp/in.log}}]}}]` },
  ],
  invalid: [
    { name: 'no section', spec: `targetRef: {kind: Mesh}`, fields: ['spec'] },
    { name: 'rules beside to', spec: `{rules: [{default: {backends: [{file: {path: /a}}]}}], ${to('{file: {path: /b}}')}}`, fields: ['spec'] },
    { name: 'a Json entry that makes no JSON object', spec: to('{file: {path: /a, format: {type: Json, json: [{key: "\\"", value: x}]}}}'), fields: ['spec.to[0].default.backends[0].file.format.json[0]'], reason: 'is not a valid JSON object' },
    { name: 'empty formats', spec: to('{file: {path: /a, format: {type: Json, json: []}}}, {file: {path: /b, format: {type: Plain, plain: ""}}}'), fields: ['spec.to[0].default.backends[0].file.format.json', 'spec.to[0].default.backends[1].file.format.plain'], reason: 'must not be empty' },
    { name: 'a format type without its field', spec: to('{file: {path: /a, format: {type: Plain}}}'), fields: ['spec.to[0].default.backends[0].file.format.plain'], reason: 'must be defined' },
    { name: 'the type without its section', spec: to('{type: Tcp}, {type: OpenTelemetry}'), fields: ['spec.to[0].default.backends[0].tcp', 'spec.to[0].default.backends[1].openTelemetry'] },
    {
      name: 'OpenTelemetry attribute keys that are not static, reserved, or badly formed',
      spec: to('{openTelemetry: {endpoint: "otel:4317", attributes: [{key: "%KUMA_MESH%", value: x}, {key: otel.scope, value: x}, {key: Bad Key, value: x}]}}'),
      fields: ['spec.to[0].default.backends[0].openTelemetry.attributes[0].key', 'spec.to[0].default.backends[0].openTelemetry.attributes[1].key', 'spec.to[0].default.backends[0].openTelemetry.attributes[2].key'],
      reason: 'must be a static OpenTelemetry attribute name',
    },
    { name: 'neither an endpoint nor a backendRef', spec: to('{openTelemetry: {}}'), fields: ['spec.to[0].default.backends[0].openTelemetry'] },
  ],
});

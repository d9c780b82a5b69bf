import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshTrace, as Kuma 2.14 validates it (meshtrace/api/v1alpha1/validator.go).

const backend = (b: string) => `default: {backends: [${b}], sampling: {overall: 50}}`;

policyValidationTable('MeshTrace', {
  valid: [
    { name: 'an OpenTelemetry collector', spec: backend('{type: OpenTelemetry, openTelemetry: {endpoint: otel:4317}}') },
    { name: 'a MeshOpenTelemetryBackend by labels', spec: backend('{type: OpenTelemetry, openTelemetry: {backendRef: {kind: MeshOpenTelemetryBackend, labels: {team: obs}}}}') },
    { name: 'a Datadog agent', spec: backend('{type: Datadog, datadog: {url: "http://datadog:8126", splitService: true}}') },
    { name: 'Zipkin with custom tags', spec: `default: {backends: [{type: Zipkin, zipkin: {url: "http://zipkin:9411/api/v2/spans"}}], tags: [{name: team, literal: core}, {name: version, header: {name: x-version, default: v1}}]}` },
  ],
  invalid: [
    { name: 'both an endpoint and a backendRef', spec: backend('{type: OpenTelemetry, openTelemetry: {endpoint: otel:4317, backendRef: {kind: MeshOpenTelemetryBackend, labels: {a: b}}}}'), fields: ['spec.default.backends[0].openTelemetry'], reason: 'only one type defined: endpoint, backendRef' },
    { name: 'neither an endpoint nor a backendRef', spec: backend('{type: OpenTelemetry, openTelemetry: {}}'), fields: ['spec.default.backends[0].openTelemetry'], reason: 'exactly one defined: endpoint, backendRef' },
    { name: 'a backendRef without labels, of another kind', spec: backend('{type: OpenTelemetry, openTelemetry: {backendRef: {kind: MeshService}}}'), fields: ['spec.default.backends[0].openTelemetry.backendRef', 'spec.default.backends[0].openTelemetry.backendRef.kind'] },
    { name: 'an OpenTelemetry endpoint written as a URL', spec: backend('{type: OpenTelemetry, openTelemetry: {endpoint: "http://otel:4317/v1"}}'), fields: ['spec.default.backends[0].openTelemetry.endpoint'], reason: 'not a URL' },
    { name: 'a Datadog URL without a port, over https, with a path', spec: backend('{type: Datadog, datadog: {url: "https://datadog/x"}}'), fields: ['spec.default.backends[0].datadog.url'] },
    { name: 'the type without its section', spec: backend('{type: Zipkin}'), fields: ['spec.default.backends[0].zipkin'], reason: 'must be defined' },
    { name: 'sampling above 100', spec: `default: {sampling: {overall: 101}}`, fields: ['spec.default.sampling.overall'] },
  ],
});

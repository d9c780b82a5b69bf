import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshMetric, as Kuma 2.14 validates it (meshmetric/api/v1alpha1/validator.go). Kuma names its
// backends `default.backends.backend[i]`; these cases name the real field.

policyValidationTable('MeshMetric', {
  valid: [
    { name: 'Prometheus and an OpenTelemetry collector', spec: `default: {backends: [{type: Prometheus, prometheus: {port: 5670, path: /metrics}}, {type: OpenTelemetry, openTelemetry: {endpoint: otel:4317, refreshInterval: 30s}}]}` },
    { name: 'a MeshOpenTelemetryBackend by labels', spec: `default: {backends: [{type: OpenTelemetry, openTelemetry: {backendRef: {kind: MeshOpenTelemetryBackend, labels: {kuma.io/display-name: collector}}}}]}` },
  ],
  invalid: [
    { name: 'Prometheus without its section', spec: `default: {backends: [{type: Prometheus}]}`, fields: ['spec.default.backends[0].prometheus'], reason: 'must be defined' },
    { name: 'an OpenTelemetry endpoint written as a URL', spec: `default: {backends: [{type: OpenTelemetry, openTelemetry: {endpoint: "http://otel:4317"}}]}`, fields: ['spec.default.backends[0].openTelemetry.endpoint'], reason: 'not a URL' },
    { name: 'an OpenTelemetry endpoint without a port', spec: `default: {backends: [{type: OpenTelemetry, openTelemetry: {endpoint: otel}}]}`, fields: ['spec.default.backends[0].openTelemetry.endpoint'] },
    { name: 'both an endpoint and a backendRef', spec: `default: {backends: [{type: OpenTelemetry, openTelemetry: {endpoint: "otel:4317", backendRef: {kind: MeshOpenTelemetryBackend, labels: {a: b}}}}]}`, fields: ['spec.default.backends[0].openTelemetry'] },
    { name: 'a backendRef without labels', spec: `default: {backends: [{type: OpenTelemetry, openTelemetry: {backendRef: {kind: MeshOpenTelemetryBackend}}}]}`, fields: ['spec.default.backends[0].openTelemetry.backendRef'], reason: 'exactly one defined: labels' },
    { name: 'a Prometheus port out of range', spec: `default: {backends: [{type: Prometheus, prometheus: {port: 0}}]}`, fields: ['spec.default.backends[0].prometheus.port'] },
  ],
});

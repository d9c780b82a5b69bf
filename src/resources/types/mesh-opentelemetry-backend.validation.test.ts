import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshOpenTelemetryBackend, as Kuma 2.14 validates it (meshopentelemetrybackend/api/v1alpha1/validator.go).

policyValidationTable('MeshOpenTelemetryBackend', {
  valid: [
    { name: 'nothing at all (every field is optional)', spec: '{}' },
    { name: 'a gRPC collector', spec: '{endpoint: {address: otel-collector.observability, port: 4317}}' },
    { name: 'an OTLP/HTTP collector with a base path and env settings', spec: '{protocol: http, endpoint: {address: 10.0.0.7, port: 4318, path: /otlp}, env: {mode: Required, precedence: ExplicitFirst, allowSignalOverrides: false}}' },
    { name: 'a port only', spec: '{endpoint: {port: 4317}}' },
  ],
  invalid: [
    { name: 'an empty address', spec: '{endpoint: {address: ""}}', fields: ['spec.endpoint.address'], reason: 'must not be empty' },
    { name: 'an address that is no IP or hostname', spec: '{endpoint: {address: "not a host!"}}', fields: ['spec.endpoint.address'], reason: 'valid IP or hostname' },
    { name: 'a port out of range', spec: '{endpoint: {port: 70000}}', fields: ['spec.endpoint.port'] },
    { name: 'a path with gRPC', spec: '{endpoint: {path: /v1}}', fields: ['spec.endpoint.path'], reason: 'must not be set when protocol is grpc' },
    { name: 'a relative path with a query', spec: '{protocol: http, endpoint: {path: "v1?x=1"}}', fields: ['spec.endpoint.path'] },
    { name: 'an unknown protocol', spec: '{protocol: thrift}', fields: ['spec.protocol'], reason: 'protocol must be one of: grpc, http' },
    { name: 'unknown env mode and precedence', spec: '{env: {mode: Always, precedence: Last}}', fields: ['spec.env.mode', 'spec.env.precedence'] },
  ],
});

import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshRetry, as Kuma 2.14 validates it (meshretry/api/v1alpha1/validator.go). Kuma reports the
// conf under `default.conf`, a field no document has; these cases name the real field.

const to = (conf: string) => `to: [{targetRef: {kind: Mesh}, default: ${conf}}]`;

policyValidationTable('MeshRetry', {
  valid: [
    {
      name: 'tcp, http and grpc retries',
      spec: `
targetRef: {kind: MeshService, name: web}
to:
  - targetRef: {kind: MeshService, name: api}
    default:
      tcp: {maxConnectAttempt: 3}
      http:
        numRetries: 4
        perTryTimeout: 500ms
        backOff: {baseInterval: 50ms, maxInterval: 1s}
        rateLimitedBackOff: {resetHeaders: [{name: retry-after, format: Seconds}], maxInterval: 10s}
        retryOn: [5xx, Reset, "503"]
        retriableRequestHeaders: [{type: Exact, name: x-idempotent, value: "true"}]
        hostSelection: [{predicate: OmitPreviousHosts}, {predicate: OmitPreviousPriorities, updateFrequency: 2}]
      grpc: {numRetries: 2, retryOn: [Unavailable, DeadlineExceeded]}`,
    },
    { name: 'status codes written as YAML numbers', spec: to('{http: {retryOn: [502, 504]}}') },
    { name: "Kuma's older header match spellings", spec: to('{http: {retriableResponseHeaders: [{type: PREFIX, name: x-retry, value: y}]}}') },
    { name: 'an empty to overriding a less specific policy', spec: `{targetRef: {kind: MeshService, name: web}, to: []}` },
    { name: 'a route as destination', spec: `to: [{targetRef: {kind: MeshHTTPRoute, name: checkout}, default: {http: {numRetries: 1}}}]` },
  ],
  invalid: [
    { name: 'a default with no section', spec: to('{}'), fields: ['spec.to[0].default'], reason: "at least one of the 'tcp', 'http', 'grpc' must be specified" },
    { name: 'empty tcp, http and grpc', spec: to('{tcp: {}, http: {}, grpc: {}}'), fields: ['spec.to[0].default.tcp', 'spec.to[0].default.http', 'spec.to[0].default.grpc'], reason: 'must not be empty' },
    { name: 'zero connect attempts', spec: to('{tcp: {maxConnectAttempt: 0}}'), fields: ['spec.to[0].default.tcp.maxConnectAttempt'] },
    { name: 'an empty back-off', spec: to('{http: {backOff: {}}, grpc: {backOff: {}}}'), fields: ['spec.to[0].default.http.backOff', 'spec.to[0].default.grpc.backOff'] },
    { name: 'a rate-limited back-off without reset headers', spec: to('{grpc: {rateLimitedBackOff: {maxInterval: 1s}}}'), fields: ['spec.to[0].default.grpc.rateLimitedBackOff.resetHeaders'], reason: 'must be defined' },
    { name: 'a reset header without a name', spec: to('{http: {rateLimitedBackOff: {resetHeaders: [{name: "", format: Seconds}]}}}'), fields: ['spec.to[0].default.http.rateLimitedBackOff.resetHeaders[0].name'] },
    { name: 'unknown retry conditions', spec: to('{http: {retryOn: [5XX, reset, 700]}, grpc: {retryOn: [Reset]}}'), fields: ['spec.to[0].default.http.retryOn[0]', 'spec.to[0].default.http.retryOn[1]', 'spec.to[0].default.http.retryOn[2]', 'spec.to[0].default.grpc.retryOn[0]'] },
    { name: 'OmitHostsWithTags without tags', spec: to('{http: {hostSelection: [{predicate: OmitHostsWithTags}]}}'), fields: ['spec.to[0].default.http.hostSelection[0].tags'] },
    {
      name: 'OmitPreviousPriorities twice, once without a frequency',
      spec: to('{http: {hostSelection: [{predicate: OmitPreviousPriorities, updateFrequency: 1}, {predicate: OmitPreviousPriorities}]}}'),
      fields: ['spec.to[0].default.http.hostSelection[1].predicate', 'spec.to[0].default.http.hostSelection[1].updateFrequency'],
    },
    { name: 'from (MeshRetry is outbound only)', spec: `from: [{targetRef: {kind: Mesh}, default: {tcp: {maxConnectAttempt: 1}}}]`, fields: ['spec.from'] },
  ],
});

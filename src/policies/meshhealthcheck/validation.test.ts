import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshHealthCheck, as Kuma 2.14 validates it (meshhealthcheck/api/v1alpha1/validator.go).

const to = (conf: string) => `to: [{targetRef: {kind: MeshService, name: api}, default: ${conf}}]`;

policyValidationTable('MeshHealthCheck', {
  valid: [
    {
      name: 'http checks with thresholds, jitter and an event log',
      spec: to(`{interval: 10s, timeout: 2s, unhealthyThreshold: 3, healthyThreshold: 1, initialJitter: 1s, intervalJitterPercent: 10, healthyPanicThreshold: 60, eventLogPath: /var/log/health.log, http: {path: /ready, expectedStatuses: [200, 204], requestHeadersToAdd: {set: [{name: x-check, value: "1"}]}}}`),
    },
    { name: 'tcp and grpc checks with nothing else', spec: to('{tcp: {}, grpc: {}}') },
    { name: 'no to at all (nothing to check)', spec: `targetRef: {kind: Mesh}` },
  ],
  invalid: [
    { name: 'a default with no check', spec: to('{interval: 1s}'), fields: ['spec.to[0].default'], reason: 'must have at least one defined: http, tcp, grpc' },
    { name: 'zero durations and thresholds', spec: to('{interval: 0s, timeout: 0s, healthyThreshold: 0, unhealthyThreshold: 0, tcp: {}}'), fields: ['spec.to[0].default.interval', 'spec.to[0].default.timeout', 'spec.to[0].default.healthyThreshold', 'spec.to[0].default.unhealthyThreshold'] },
    { name: 'an event log that is no path', spec: to('{eventLogPath: "#log", tcp: {}}'), fields: ['spec.to[0].default.eventLogPath'], reason: 'must be a valid path' },
    { name: 'an empty http path and a status out of range', spec: to('{http: {path: "", expectedStatuses: [99, 600]}}'), fields: ['spec.to[0].default.http.path', 'spec.to[0].default.http.expectedStatuses[0]', 'spec.to[0].default.http.expectedStatuses[1]'] },
    { name: 'a jitter percentage above 100', spec: to('{intervalJitterPercent: 101, tcp: {}}'), fields: ['spec.to[0].default.intervalJitterPercent'] },
  ],
});

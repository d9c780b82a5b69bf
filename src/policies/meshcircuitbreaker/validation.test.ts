import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshCircuitBreaker, as Kuma 2.14 validates it (meshcircuitbreaker/api/v1alpha1/validator.go).

const to = (conf: string) => `to: [{targetRef: {kind: Mesh}, default: ${conf}}]`;
const od = (detectors: string, extra = '') => to(`{outlierDetection: {${extra}detectors: ${detectors}}}`);

policyValidationTable('MeshCircuitBreaker', {
  valid: [
    {
      name: 'limits to a service, outlier detection from callers',
      spec: `
targetRef: {kind: MeshService, name: api}
to:
  - targetRef: {kind: MeshService, name: db}
    default: {connectionLimits: {maxConnections: 50, maxPendingRequests: 10, maxRequests: 100, maxRetries: 2, maxConnectionPools: 4}}
from:
  - targetRef: {kind: Mesh}
    default:
      outlierDetection:
        interval: 5s
        baseEjectionTime: 30s
        maxEjectionPercent: 20
        healthyPanicThreshold: "50.5"
        splitExternalAndLocalErrors: true
        detectors:
          totalFailures: {consecutive: 5}
          successRate: {minimumHosts: 3, requestVolume: 50, standardDeviationFactor: "1.9"}
          failurePercentage: {minimumHosts: 3, requestVolume: 50, threshold: 85}`,
    },
    { name: 'rules only', spec: `rules: [{default: {connectionLimits: {maxConnections: 1}}}]` },
    { name: 'a numeric standard deviation factor', spec: od('{successRate: {standardDeviationFactor: 2}}') },
  ],
  invalid: [
    { name: 'a default that configures nothing', spec: to('{}'), fields: ['spec.to[0].default'], reason: "at least one of: 'connectionLimits' or 'outlierDetection'" },
    { name: 'zero limits', spec: to('{connectionLimits: {maxConnections: 0, maxRetries: 0}}'), fields: ['spec.to[0].default.connectionLimits.maxConnections', 'spec.to[0].default.connectionLimits.maxRetries'] },
    { name: 'outlier detection without detectors', spec: to('{outlierDetection: {interval: 1s}}'), fields: ['spec.to[0].default.outlierDetection.detectors'], reason: 'must be defined' },
    { name: 'no detector in detectors', spec: od('{}'), fields: ['spec.to[0].default.outlierDetection.detectors'], reason: 'must have at least one defined' },
    {
      name: 'zero intervals and counts',
      spec: od('{totalFailures: {consecutive: 0}, gatewayFailures: {consecutive: 0}, failurePercentage: {minimumHosts: 0, requestVolume: 0}}', 'interval: 0s, baseEjectionTime: 0s, '),
      fields: [
        'spec.to[0].default.outlierDetection.interval',
        'spec.to[0].default.outlierDetection.baseEjectionTime',
        'spec.to[0].default.outlierDetection.detectors.totalFailures.consecutive',
        'spec.to[0].default.outlierDetection.detectors.gatewayFailures.consecutive',
        'spec.to[0].default.outlierDetection.detectors.failurePercentage.minimumHosts',
        'spec.to[0].default.outlierDetection.detectors.failurePercentage.requestVolume',
      ],
    },
    { name: 'a standard deviation factor that is no number', spec: od('{successRate: {standardDeviationFactor: "1.2x"}}'), fields: ['spec.to[0].default.outlierDetection.detectors.successRate.standardDeviationFactor'], reason: 'invalid number' },
    { name: 'a zero standard deviation factor', spec: od('{successRate: {standardDeviationFactor: "0"}}'), fields: ['spec.to[0].default.outlierDetection.detectors.successRate.standardDeviationFactor'] },
    { name: 'an ejection percentage above 100', spec: od('{totalFailures: {consecutive: 1}}', 'maxEjectionPercent: 101, '), fields: ['spec.to[0].default.outlierDetection.maxEjectionPercent'] },
    { name: 'rules beside from', spec: `{rules: [{default: {connectionLimits: {maxConnections: 1}}}], from: [{targetRef: {kind: Mesh}, default: {connectionLimits: {maxConnections: 1}}}]}`, fields: ['spec'] },
    { name: 'a field Kuma does not have (Meshwork refuses unknown fields)', spec: od('{totalFailures: {consecutive: 1}, healthyPanicThreshold: 10}'), fields: ['spec.to[0].default.outlierDetection.detectors.healthyPanicThreshold'], reason: 'unknown field' },
  ],
});

import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshRateLimit, as Kuma 2.14 validates it (meshratelimit/api/v1alpha1/validator.go).

const from = (conf: string) => `from: [{targetRef: {kind: Mesh}, default: ${conf}}]`;

policyValidationTable('MeshRateLimit', {
  valid: [
    {
      name: 'http and tcp limits on what a service receives',
      spec: `
targetRef: {kind: MeshService, name: api}
from:
  - targetRef: {kind: Mesh}
    default:
      local:
        http:
          requestRate: {num: 100, interval: 1s}
          onRateLimit: {status: 429, headers: {set: [{name: x-limited, value: "true"}]}}
        tcp: {connectionRate: {num: 10, interval: 100ms}}`,
    },
    { name: 'limits switched off in rules', spec: `rules: [{default: {local: {http: {disabled: true}, tcp: {disabled: true}}}}]` },
  ],
  invalid: [
    { name: 'a default without local', spec: from('{}'), fields: ['spec.from[0].default.local'], reason: 'must be defined' },
    { name: 'local without tcp or http', spec: from('{local: {}}'), fields: ['spec.from[0].default.local'], reason: 'must have at least one defined: tcp, http' },
    { name: 'empty tcp and http', spec: from('{local: {tcp: {}, http: {}}}'), fields: ['spec.from[0].default.local.tcp', 'spec.from[0].default.local.http'] },
    { name: 'a zero request rate and a bad status', spec: from('{local: {http: {requestRate: {num: 0, interval: 1s}, onRateLimit: {status: 0}}}}'), fields: ['spec.from[0].default.local.http.requestRate.num', 'spec.from[0].default.local.http.onRateLimit.status'] },
    { name: 'to on a sidecar', spec: `to: [{targetRef: {kind: Mesh}, default: {local: {tcp: {disabled: true}}}}]`, fields: ['spec.to'], reason: 'must not be defined' },
    { name: 'rules beside from', spec: `{rules: [{default: {local: {tcp: {disabled: true}}}}], from: [{targetRef: {kind: Mesh}, default: {local: {tcp: {disabled: true}}}}]}`, fields: ['spec'] },
    { name: 'one inbound, but an outbound policy', spec: `{targetRef: {kind: Dataplane, sectionName: http}, to: [{targetRef: {kind: Mesh}, default: {local: {tcp: {disabled: true}}}}]}`, fields: ['spec.targetRef.sectionName', 'spec.to'] },
  ],
});

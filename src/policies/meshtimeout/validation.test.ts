import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshTimeout, as Kuma 2.14 validates it (meshtimeout/api/v1alpha1/validator.go).

policyValidationTable('MeshTimeout', {
  valid: [
    {
      name: 'inbound and outbound timeouts for one service',
      spec: `
targetRef: {kind: MeshService, name: orders}
from:
  - targetRef: {kind: Mesh}
    default: {connectionTimeout: 3s, idleTimeout: 30m, http: {requestTimeout: 0s, maxConnectionDuration: 2h}}
to:
  - targetRef: {kind: MeshService, name: payments}
    default: {http: {requestTimeout: 2s, streamIdleTimeout: 10m, maxStreamDuration: 1h}}`,
    },
    { name: 'rules without from or to', spec: `rules: [{default: {idleTimeout: 5m}}]` },
    { name: 'a MeshHTTPRoute as a destination', spec: `to: [{targetRef: {kind: MeshHTTPRoute, name: slow-route}, default: {http: {requestTimeout: 30s}}}]` },
    {
      name: 'route timeouts on a MeshHTTPRoute, to Mesh and to a MeshExternalService',
      spec: `
targetRef: {kind: MeshHTTPRoute, name: slow-route}
to:
  - {targetRef: {kind: Mesh}, default: {http: {requestTimeout: 30s, streamIdleTimeout: 1m}}}
  - {targetRef: {kind: MeshExternalService, labels: {team: a}}, default: {http: {requestTimeout: 5s, requestHeadersTimeout: 1s}}}`,
    },
    { name: 'every Dataplane', spec: `{targetRef: {kind: Dataplane}, to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1h}}]}` },
  ],
  invalid: [
    { name: 'no section at all', spec: `targetRef: {kind: Mesh}`, fields: ['spec'], reason: "at least one of 'from', 'to' or 'rules' has to be defined" },
    { name: 'an empty to (MeshTimeout needs a section)', spec: `to: []`, fields: ['spec'] },
    {
      name: 'rules beside to and from',
      spec: `{rules: [{default: {idleTimeout: 1s}}], to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1s}}]}`,
      fields: ['spec'],
      reason: "fields 'to' and 'from' must be empty when 'rules' is defined",
    },
    { name: 'a default without any timeout', spec: `to: [{targetRef: {kind: Mesh}, default: {}}]`, fields: ['spec.to[0].default'], reason: 'at least one timeout should be configured' },
    { name: 'rules without any timeout', spec: `rules: [{default: {}}]`, fields: ['spec.rules[0].default'] },
    { name: 'an empty http section', spec: `to: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1s, http: {}}}]`, fields: ['spec.to[0].default.http'], reason: 'at least one timeout in this section' },
    { name: 'http with only requestHeadersTimeout', spec: `from: [{targetRef: {kind: Mesh}, default: {http: {requestHeadersTimeout: 1s}}}]`, fields: ['spec.from[0].default.http'] },
    { name: 'a zero connection timeout', spec: `to: [{targetRef: {kind: Mesh}, default: {connectionTimeout: 0s}}]`, fields: ['spec.to[0].default.connectionTimeout'] },
    { name: 'a negative request timeout', spec: `to: [{targetRef: {kind: Mesh}, default: {http: {requestTimeout: -1s}}}]`, fields: ['spec.to[0].default.http.requestTimeout'] },
    { name: 'from with a MeshService source', spec: `from: [{targetRef: {kind: MeshService, name: a}, default: {idleTimeout: 1s}}]`, fields: ['spec.from[0].targetRef.kind'] },
    { name: 'a MeshExternalService with both labels and a name', spec: `to: [{targetRef: {kind: MeshExternalService, name: a, labels: {k: v}}, default: {idleTimeout: 1s}}]`, fields: ['spec.to[0].targetRef.labels'] },
    {
      name: 'connection-level fields and inbound sections on a MeshHTTPRoute',
      spec: `
targetRef: {kind: MeshHTTPRoute, name: r}
from: [{targetRef: {kind: Mesh}, default: {idleTimeout: 1s}}]
to: [{targetRef: {kind: MeshService, name: b}, default: {connectionTimeout: 1s, idleTimeout: 1s, http: {requestTimeout: 1s, maxStreamDuration: 1s, maxConnectionDuration: 1s}}}]`,
      fields: ['spec.from', 'spec.to[0].targetRef.kind', 'spec.to[0].default.connectionTimeout', 'spec.to[0].default.idleTimeout', 'spec.to[0].default.http.maxStreamDuration', 'spec.to[0].default.http.maxConnectionDuration'],
    },
  ],
});

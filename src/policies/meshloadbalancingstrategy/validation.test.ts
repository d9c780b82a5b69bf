import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshLoadBalancingStrategy, as Kuma 2.14 validates it (meshloadbalancingstrategy/api/v1alpha1/validator.go).

const to = (conf: string, ref = '{kind: MeshService, name: api}') => `to: [{targetRef: ${ref}, default: ${conf}}]`;

policyValidationTable('MeshLoadBalancingStrategy', {
  valid: [
    {
      name: 'locality awareness with weighted affinity and failover',
      spec: to(`{localityAwareness: {localZone: {affinityTags: [{key: k8s.io/node, weight: 9}, {key: k8s.io/az, weight: 1}]}, crossZone: {failover: [{from: {zones: [east]}, to: {type: Only, zones: [west]}}, {to: {type: Any}}], failoverThreshold: {percentage: 70}}}}`),
    },
    { name: 'root hash policies with a ring hash', spec: to('{hashPolicies: [{type: Cookie, cookie: {name: session, path: /}}], loadBalancer: {type: RingHash, ringHash: {minRingSize: 1024}}}') },
    { name: 'hash policies only, for a MeshHTTPRoute', spec: to('{hashPolicies: [{type: QueryParameter, queryParameter: {name: user}}]}', '{kind: MeshHTTPRoute, name: checkout}') },
    { name: 'an empty to overriding a less specific policy', spec: 'to: []' },
  ],
  invalid: [
    { name: 'a cookie path that is not absolute', spec: to('{loadBalancer: {type: Maglev, maglev: {hashPolicies: [{type: Cookie, cookie: {name: s, path: relative}}]}}}'), fields: ['spec.to[0].default.loadBalancer.maglev.hashPolicies[0].cookie.path'], reason: 'must be an absolute path' },
    { name: 'a hash policy without its settings', spec: to('{hashPolicies: [{type: Header}, {type: Connection}]}'), fields: ['spec.to[0].default.hashPolicies[0].header', 'spec.to[0].default.hashPolicies[1].connection'], reason: 'must be defined' },
    { name: 'hash policies at the root and in the ring hash', spec: to('{hashPolicies: [{type: SourceIP, connection: {sourceIP: true}}], loadBalancer: {type: RingHash, ringHash: {hashPolicies: [{type: Header, header: {name: x}}]}}}'), fields: ['spec.to[0].default.loadBalancer.ringHash.hashPolicies'] },
    { name: 'a load balancer for a MeshHTTPRoute', spec: to('{loadBalancer: {type: Random}, localityAwareness: {disabled: true}}', '{kind: MeshHTTPRoute, name: r}'), fields: ['spec.to[0].default.loadBalancer', 'spec.to[0].default.localityAwareness'] },
    { name: 'failover from no zone', spec: to('{localityAwareness: {crossZone: {failover: [{from: {zones: []}, to: {type: Any}}]}}}'), fields: ['spec.to[0].default.localityAwareness.crossZone.failover[0].from.zones'] },
    { name: 'zones with type Any, none with type Only', spec: to('{localityAwareness: {crossZone: {failover: [{to: {type: Any, zones: [a]}}, {to: {type: Only}}]}}}'), fields: ['spec.to[0].default.localityAwareness.crossZone.failover[0].to.zones', 'spec.to[0].default.localityAwareness.crossZone.failover[1].to.zones'] },
    { name: 'some affinity tags weighted, some not', spec: to('{localityAwareness: {localZone: {affinityTags: [{key: a, weight: 1}, {key: b}]}}}'), fields: ['spec.to[0].default.localityAwareness.localZone.affinityTags'], reason: 'all or none' },
    { name: 'a zero failover threshold', spec: to('{localityAwareness: {crossZone: {failoverThreshold: {percentage: 0}}}}'), fields: ['spec.to[0].default.localityAwareness.crossZone.failoverThreshold.percentage'] },
    { name: 'cross-zone rules for one port of a MeshService', spec: to('{localityAwareness: {crossZone: {failover: [{to: {type: Any}}]}}}', '{kind: MeshService, name: api, sectionName: http}'), fields: ['spec.to[0].default.localityAwareness.crossZone'] },
  ],
});

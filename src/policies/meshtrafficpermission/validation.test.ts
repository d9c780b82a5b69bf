import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshTrafficPermission, as Kuma 2.14 validates it (meshtrafficpermission/api/v1alpha1/validator.go).

const rules = (conf: string) => `{targetRef: {kind: Dataplane, labels: {app: api}}, rules: [{default: ${conf}}]}`;

policyValidationTable('MeshTrafficPermission', {
  valid: [
    { name: 'from by service and subset', spec: `{targetRef: {kind: MeshService, name: api}, from: [{targetRef: {kind: MeshSubset, tags: {team: a}}, default: {action: Allow}}, {targetRef: {kind: MeshServiceSubset, name: web, tags: {version: v1}}, default: {action: Deny}}]}` },
    { name: 'rules by SPIFFE ID prefix and exact', spec: rules('{allow: [{spiffeID: {type: Prefix, value: "spiffe://default/"}}], deny: [{spiffeID: {type: Exact, value: "spiffe://default/ns/x/sa/y"}}]}') },
    { name: 'rules by SNI only, and by SNI and SPIFFE ID together', spec: rules('{allow: [{sni: {type: Exact, value: api.svc.mesh.local}}, {spiffeID: {type: Exact, value: "spiffe://default/web"}, sni: {type: Exact, value: web.mesh}}]}') },
    { name: 'allow with shadow deny', spec: rules('{allowWithShadowDeny: [{spiffeID: {type: Prefix, value: "spiffe://default/legacy"}}]}') },
  ],
  invalid: [
    { name: 'no section', spec: `targetRef: {kind: Mesh}`, fields: ['spec'], reason: "at least one of 'from' or 'rules' has to be defined" },
    { name: 'rules beside from', spec: `{from: [{targetRef: {kind: Mesh}, default: {action: Allow}}], rules: [{default: {allow: [{}]}}]}`, fields: ['spec'], reason: "field 'from' must be empty when 'rules' is defined" },
    { name: 'a from entry without an action', spec: `from: [{targetRef: {kind: Mesh}, default: {}}]`, fields: ['spec.from[0].default.action'], reason: 'must be defined' },
    { name: 'a rule without allow, deny or shadow deny', spec: rules('{}'), fields: ['spec.rules[0].default'], reason: "at least one of 'allow', 'allowWithShadowDeny', 'deny'" },
    {
      name: 'values that are no SPIFFE IDs',
      spec: rules('{allow: [{spiffeID: {type: Exact, value: default/web}}], deny: [{spiffeID: {type: Prefix, value: "http://x"}}]}'),
      fields: ['spec.rules[0].default.allow[0].spiffeID', 'spec.rules[0].default.deny[0].spiffeID'],
      reason: 'must be a valid Spiffe ID',
    },
    { name: 'an SNI match of another type, or not a DNS name', spec: rules('{allow: [{sni: {type: Prefix, value: api}}, {sni: {type: Exact, value: "API_Svc"}}]}'), fields: ['spec.rules[0].default.allow[0].sni.type', 'spec.rules[0].default.allow[1].sni.value'] },
    { name: 'from with a MeshHTTPRoute source', spec: `from: [{targetRef: {kind: MeshHTTPRoute, name: r}, default: {action: Allow}}]`, fields: ['spec.from[0].targetRef.kind'] },
  ],
});

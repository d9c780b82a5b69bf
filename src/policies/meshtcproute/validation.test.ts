import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshTCPRoute, as Kuma 2.14 validates it (meshtcproute/api/v1alpha1/validator.go).

policyValidationTable('MeshTCPRoute', {
  valid: [
    { name: 'weighted backends', spec: 'to: [{targetRef: {kind: MeshService, name: db}, rules: [{default: {backendRefs: [{kind: MeshService, name: db-primary, weight: 9}, {kind: MeshServiceSubset, name: db, tags: {role: replica}, weight: 1}]}}]}]' },
    { name: 'a destination without rules', spec: 'to: [{targetRef: {kind: MeshService, name: db}}]' },
    { name: 'one port of a MeshService, and a MeshMultiZoneService', spec: 'to: [{targetRef: {kind: MeshService, name: db, sectionName: sql}}, {targetRef: {kind: MeshMultiZoneService, name: db-all}}]' },
  ],
  invalid: [
    { name: 'a MeshMultiZoneService backend without a port', spec: 'to: [{targetRef: {kind: MeshService, name: db}, rules: [{default: {backendRefs: [{kind: MeshMultiZoneService, name: db-all}]}}]}]', fields: ['spec.to[0].rules[0].default.backendRefs[0].port'] },
    { name: 'a Mesh destination', spec: 'to: [{targetRef: {kind: Mesh}}]', fields: ['spec.to[0].targetRef.kind'] },
    { name: 'a rule without backends', spec: 'to: [{targetRef: {kind: MeshService, name: db}, rules: [{default: {backendRefs: []}}]}]', fields: ['spec.to[0].rules[0].default.backendRefs'] },
  ],
});

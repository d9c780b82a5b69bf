import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshTLS, as Kuma 2.14 validates it (meshtls/api/v1alpha1/validator.go).

policyValidationTable('MeshTLS', {
  valid: [
    { name: 'mesh-wide versions and ciphers', spec: `{targetRef: {kind: Mesh}, from: [{targetRef: {kind: Mesh}, default: {mode: Strict, tlsVersion: {min: TLS12, max: TLS13}, tlsCiphers: [ECDHE-RSA-AES256-GCM-SHA384]}}]}` },
    { name: 'permissive mode for one service, in rules', spec: `{targetRef: {kind: MeshService, name: legacy}, rules: [{default: {mode: Permissive}}]}` },
  ],
  invalid: [
    { name: 'versions and ciphers for one service', spec: `{targetRef: {kind: MeshService, name: api}, from: [{targetRef: {kind: Mesh}, default: {tlsVersion: {min: TLS13}, tlsCiphers: [ECDHE-RSA-AES256-GCM-SHA384]}}]}`, fields: ['spec.from[0].default.tlsVersion', 'spec.from[0].default.tlsCiphers'], reason: 'can only be defined with top level targetRef kind: Mesh' },
    { name: 'rules beside from', spec: `{from: [{targetRef: {kind: Mesh}, default: {mode: Strict}}], rules: [{default: {mode: Strict}}]}`, fields: ['spec'], reason: "field 'from' must be empty when 'rules' is defined" },
    { name: 'an unknown mode and cipher, a min above the max', spec: `from: [{targetRef: {kind: Mesh}, default: {mode: Loose, tlsCiphers: [RC4], tlsVersion: {min: TLS13, max: TLS12}}}]`, fields: ['spec.from[0].default.mode', 'spec.from[0].default.tlsCiphers[0]', 'spec.from[0].default.tlsVersion.min'] },
    { name: 'a from source other than Mesh', spec: `from: [{targetRef: {kind: MeshService, name: web}, default: {mode: Strict}}]`, fields: ['spec.from[0].targetRef.kind'] },
  ],
});

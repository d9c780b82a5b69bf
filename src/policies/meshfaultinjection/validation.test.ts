import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshFaultInjection, as Kuma 2.14 validates it (meshfaultinjection/api/v1alpha1/validator.go).
// Kuma lets sidecars inject faults into what they receive only; Meshwork also takes `to`
// (outbound faults), and `rules` beside `to`.

const from = (http: string) => `from: [{targetRef: {kind: Mesh}, default: {http: [${http}]}}]`;

policyValidationTable('MeshFaultInjection', {
  valid: [
    { name: 'aborts, delays and bandwidth limits from one caller', spec: `{targetRef: {kind: MeshService, name: api}, from: [{targetRef: {kind: MeshSubset, tags: {kuma.io/service: web}}, default: {http: [{abort: {httpStatus: 503, percentage: "12.5"}}, {delay: {value: 2s, percentage: 5}}, {responseBandwidth: {limit: 10kbps, percentage: 50}}]}}]}` },
    { name: 'rules', spec: `rules: [{default: {http: [{abort: {httpStatus: 500, percentage: 1}}]}}]` },
  ],
  invalid: [
    { name: 'a status out of range and a percentage above 100', spec: from('{abort: {httpStatus: 99, percentage: 101}}'), fields: ['spec.from[0].default.http[0].abort.httpStatus', 'spec.from[0].default.http[0].abort.percentage'] },
    { name: 'a negative delay', spec: from('{delay: {value: -1s, percentage: 1}}'), fields: ['spec.from[0].default.http[0].delay.value'] },
    { name: 'a bandwidth without a unit', spec: from('{responseBandwidth: {limit: "100", percentage: 1}}'), fields: ['spec.from[0].default.http[0].responseBandwidth.limit'] },
    { name: 'rules beside from', spec: `{rules: [{default: {http: []}}], ${from('{abort: {httpStatus: 500, percentage: 1}}')}}`, fields: ['spec'], reason: "field 'from' must be empty when 'rules' is defined" },
  ],
});

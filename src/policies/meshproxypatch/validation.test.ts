import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshProxyPatch, as Kuma 2.14 validates it (meshproxypatch/api/v1alpha1/validator.go).

const mods = (m: string) => `default: {appendModifications: [${m}]}`;

policyValidationTable('MeshProxyPatch', {
  valid: [
    { name: 'a cluster added, a listener patched by JSON patch', spec: mods(`{cluster: {operation: Add, value: "name: extra\\nconnectTimeout: 5s\\n"}}, {listener: {operation: Patch, match: {origin: inbound}, jsonPatches: [{op: replace, path: /perConnectionBufferLimitBytes, value: 32768}]}}`) },
    { name: 'an HTTP filter added before the router', spec: mods(`{httpFilter: {operation: AddBefore, match: {name: envoy.filters.http.router}, value: "name: envoy.filters.http.buffer\\ntypedConfig:\\n  '@type': type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer\\n  maxRequestBytes: 1024\\n"}}`) },
  ],
  invalid: [
    { name: 'an added cluster with a match', spec: mods(`{cluster: {operation: Add, match: {name: x}, value: "name: extra\\n"}}`), fields: ['spec.default.appendModifications[0].cluster.match'], reason: 'must not be defined' },
    { name: 'an added virtual host with a match name', spec: mods(`{virtualHost: {operation: Add, match: {name: x}, value: "name: vh\\ndomains: ['*']\\n"}}`), fields: ['spec.default.appendModifications[0].virtualHost.match.name'] },
    { name: 'a filter added before nothing, one patched without a name', spec: mods(`{networkFilter: {operation: AddBefore, value: "name: envoy.filters.network.rbac\\n"}}, {httpFilter: {operation: Patch, value: "name: x\\n"}}`), fields: ['spec.default.appendModifications[0].networkFilter.match.name', 'spec.default.appendModifications[1].httpFilter.match.name'], reason: 'You need to pick a filter before which this one will be added' },
    { name: 'a patch with both a value and JSON patches', spec: mods(`{cluster: {operation: Patch, value: "connectTimeout: 1s\\n", jsonPatches: [{op: remove, path: /x}]}}`), fields: ['spec.default.appendModifications[0].cluster'] },
    { name: 'two kinds in one modification', spec: mods(`{cluster: {operation: Remove}, listener: {operation: Remove}}`), fields: ['spec.default.appendModifications[0]'] },
    { name: 'a value that is no Envoy cluster', spec: mods(`{cluster: {operation: Add, value: "connectTimeoutz: 1s\\n"}}`), fields: ['spec.default.appendModifications[0].cluster.value'] },
    { name: 'no modification', spec: mods(''), fields: ['spec.default.appendModifications'] },
  ],
});

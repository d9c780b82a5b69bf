import { policyValidationTable } from '../../../test/helpers/policy-validation.ts';

// MeshHTTPRoute, as Kuma 2.14 validates it (meshhttproute/api/v1alpha1/validation.go).

const rule = (r: string) => `to: [{targetRef: {kind: MeshService, name: api}, rules: [${r}]}]`;

policyValidationTable('MeshHTTPRoute', {
  valid: [
    {
      name: 'matches, filters and weighted backends',
      spec: rule(`{matches: [{path: {type: PathPrefix, value: /v2}, headers: [{type: Present, name: x-beta}], queryParams: [{type: Exact, name: a, value: "1"}]}], default: {filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}, {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: b}], remove: [x-b]}}], backendRefs: [{kind: MeshServiceSubset, name: api, tags: {version: v2}, weight: 90}, {kind: MeshMultiZoneService, name: api-all, port: 8080, weight: 10}]}}`),
    },
    { name: 'a redirect to another host', spec: rule(`{matches: [{path: {type: Exact, value: /old}}], default: {filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example.com, statusCode: 301}}]}}`) },
    { name: 'an empty to overriding a less specific route', spec: 'to: []' },
    { name: 'a destination without rules', spec: 'to: [{targetRef: {kind: MeshService, name: api}}]' },
  ],
  invalid: [
    { name: 'paths that are not absolute, and a trailing slash on a prefix', spec: rule(`{matches: [{path: {type: Exact, value: old}}, {path: {type: PathPrefix, value: /api/}}], default: {}}`), fields: ['spec.to[0].rules[0].matches[0].path.value', 'spec.to[0].rules[0].matches[1].path.value'] },
    { name: 'a query parameter matched twice', spec: rule(`{matches: [{queryParams: [{type: Exact, name: q, value: a}, {type: Exact, name: q, value: b}]}], default: {}}`), fields: ['spec.to[0].rules[0].matches[0].queryParams[1].name'], reason: 'multiple entries for name q' },
    { name: 'a value on a Present or Absent header match', spec: rule(`{matches: [{headers: [{type: Present, name: a, value: x}, {type: Absent, name: b, value: y}]}], default: {}}`), fields: ['spec.to[0].rules[0].matches[0].headers[0].value', 'spec.to[0].rules[0].matches[0].headers[1].value'], reason: 'must not be defined' },
    {
      name: 'a prefix replacement where a match is no prefix',
      spec: rule(`{matches: [{path: {type: Exact, value: /a}}], default: {filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]}}`),
      fields: ['spec.to[0].rules[0].default.filters[0].urlRewrite.path.replacePrefixMatch'],
      reason: 'can only appear if all matches match a path prefix',
    },
    { name: 'a redirect to an IP and to a name with capitals', spec: rule(`{matches: [{path: {type: PathPrefix, value: /}}], default: {filters: [{type: RequestRedirect, requestRedirect: {hostname: 10.0.0.1}}, {type: RequestRedirect, requestRedirect: {hostname: Example.COM}}]}}`), fields: ['spec.to[0].rules[0].default.filters[0].requestRedirect.hostname', 'spec.to[0].rules[0].default.filters[1].requestRedirect.hostname'] },
    { name: 'a header modifier with nothing to do, and one naming a header twice', spec: rule(`{matches: [{path: {type: PathPrefix, value: /}}], default: {filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {}}, {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x, value: a}], add: [{name: X, value: b}]}}]}}`), fields: ['spec.to[0].rules[0].default.filters[0].responseHeaderModifier', 'spec.to[0].rules[0].default.filters[1].requestHeaderModifier.add[0].name'] },
    { name: 'a filter type without its section', spec: rule(`{matches: [{path: {type: PathPrefix, value: /}}], default: {filters: [{type: RequestMirror}]}}`), fields: ['spec.to[0].rules[0].default.filters[0].requestMirror'], reason: 'must be defined' },
    { name: 'the backend host rewrite on a sidecar', spec: rule(`{matches: [{path: {type: PathPrefix, value: /}}], default: {filters: [{type: URLRewrite, urlRewrite: {hostToBackendHostname: true}}]}}`), fields: ['spec.to[0].rules[0].default.filters[0].urlRewrite.hostToBackendHostname'], reason: 'can only be set with MeshGateway' },
    { name: 'a MeshMultiZoneService backend without a port', spec: rule(`{matches: [{path: {type: PathPrefix, value: /}}], default: {backendRefs: [{kind: MeshMultiZoneService, name: api-all}]}}`), fields: ['spec.to[0].rules[0].default.backendRefs[0].port'] },
    { name: 'hostnames on a sidecar route', spec: 'to: [{targetRef: {kind: MeshService, name: api}, hostnames: [api.example.com]}]', fields: ['spec.to[0].hostnames'] },
    { name: 'a Mesh destination', spec: 'to: [{targetRef: {kind: Mesh}}]', fields: ['spec.to[0].targetRef.kind'] },
  ],
});

import { describe, expect, it } from 'vitest';
import { violationsOf } from '../../../test/helpers/validation.ts';

// HostnameGenerator, as Kuma 2.14 validates it: the cases of its validate_test.go.

const hg = (spec: string) => `type: HostnameGenerator\nname: hg\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const RFC1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('HostnameGenerator validation (Kuma validate_test.go)', () => {
  const invalid: [string, string, string, string][] = [
    ['a template that does not parse', 'template: "{{ .Name[4 }}.mesh"\nselector:\n  meshService: {}', 'spec.template', "couldn't parse template: template: :1: bad character U+005B '['"],
    ['an empty template', 'template: ""\nselector:\n  meshService: {}', 'spec.template', 'must not be empty'],
    ['no selector', 'template: "{{ .Name }}.mesh"', 'spec.selector', 'exact one selector (meshService, meshExternalService) must be defined'],
    ['an extension without a type', 'template: "{{ .Name }}.mesh"\nselector:\n  meshService: {}\nextension:\n  config: {}', 'spec.extension.type', 'must not be empty'],
    ['two selectors', 'template: "{{ .Name }}.mesh"\nselector:\n  meshService: {}\n  meshExternalService: {}', 'spec.selector', 'exact one selector (meshService, meshExternalService) must be defined'],
    ['a template rendering upper case', 'template: "{{ .Name }}.MESH"\nselector:\n  meshService: {}', 'spec.template', `template renders to "name.MESH" which is not a valid DNS name: ${RFC1123}`],
    ['a template rendering a leading dot', 'template: ".{{ .Name }}.mesh"\nselector:\n  meshService: {}', 'spec.template', `template renders to ".name.mesh" which is not a valid DNS name: ${RFC1123}`],
    ['a template rendering two dots in a row', 'template: "{{ .Name }}..mesh"\nselector:\n  meshService: {}', 'spec.template', `template renders to "name..mesh" which is not a valid DNS name: ${RFC1123}`],
    ['a template rendering an underscore', 'template: "{{ .Name }}_svc.mesh"\nselector:\n  meshService: {}', 'spec.template', `template renders to "name_svc.mesh" which is not a valid DNS name: ${RFC1123}`],
  ];
  for (const [name, spec, field, reason] of invalid) {
    it(`refuses ${name}`, () => expect(violationsOf(hg(spec))).toEqual([{ field, reason }]));
  }
  for (const [name, spec] of [
    ['a MeshService selector', 'template: "{{ .Name }}.mesh"\nselector:\n  meshService: {}'],
    ['a MeshMultiZoneService selector', 'template: "{{ .Name }}.mesh"\nselector:\n  meshMultiZoneService: {}'],
    ['every built-in field', 'template: "{{ .Name }}.{{ .DisplayName }}.{{ .Namespace }}.{{ .Mesh }}.{{ .Zone }}.mesh"\nselector:\n  meshService: {}'],
    ['the label function', 'template: "{{ label \\"app\\" }}.mesh"\nselector:\n  meshService: {}'],
    ["Kuma's default for synced Universal services", 'template: "{{ .DisplayName }}.svc.{{ .Zone }}.mesh.local"\nselector:\n  meshService:\n    matchLabels: {kuma.io/origin: global, kuma.io/env: universal}'],
  ]) {
    it(`accepts ${name}`, () => expect(violationsOf(hg(spec!))).toEqual([]));
  }
});

describe('HostnameGenerator templates (Go text/template errors, as Kuma reports them)', () => {
  for (const [template, reason] of [
    ['{{ .Name }', "couldn't parse template: template: :1: unexpected \"}\" in operand"],
    ['{{ .Name ', "couldn't parse template: template: :1: unclosed action"],
    ['{{ upper .Name }}.mesh', 'couldn\'t parse template: template: :1: function "upper" not defined'],
    ['{{ .Namee }}.mesh', "couldn't render template with stub values: template: :1:3: executing \"\" at <.Namee>: can't evaluate field Namee in type hostname.Params"],
  ] as const) {
    it(`refuses ${template}`, () => expect(violationsOf(hg(`template: "${template}"\nselector:\n  meshService: {}`))).toEqual([{ field: 'spec.template', reason }]));
  }
});

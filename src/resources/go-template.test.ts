import { describe, expect, it } from 'vitest';
import { GoTemplateError, parseGoTemplate, renderGoTemplate } from './go-template.ts';

// The Go text/template subset of HostnameGenerator templates, beyond the validation cases.

describe('Go templates', () => {
  it('renders fields, the label function and trim markers', () => {
    expect(renderGoTemplate(parseGoTemplate('{{ .Name }}.{{ label "team" }}  {{- .Zone -}}  .mesh'), { Name: 'api', Zone: 'z1' }, { team: 'core' })).toBe('api.corez1.mesh');
  });
  it('parses a template near the size limit in one pass, and places errors on their line and column', () => {
    // 1 MB over 100,000 lines: counting lines from the start for each action made 540 KB take 27 s.
    const big = '{{ .Name }}\n'.repeat(100_000) + 'x {{ .Nope }}';
    const nodes = parseGoTemplate(big);
    expect(nodes).toHaveLength(200_001);
    expect(() => renderGoTemplate(nodes, { Name: 'a' }, {})).toThrow(new GoTemplateError('template: :100001:5: executing "" at <.Nope>: can\'t evaluate field Nope in type hostname.Params'));
    expect(() => parseGoTemplate('{{ .Name }}\n'.repeat(3) + '{{ .Name[0] }}')).toThrow(new GoTemplateError("template: :4: bad character U+005B '['"));
  });
});

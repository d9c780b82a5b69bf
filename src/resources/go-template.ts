// The part of Go's text/template that Kuma's HostnameGenerator templates use: text, `{{ .Field }}`
// and `{{ label "key" }}` actions (with Go's `{{-` / `-}}` trimming), errors worded as Go words
// them (`template: :1: bad character U+005B '['`), since Kuma users see those messages.

export type TemplateNode = { readonly text: string } | { readonly field: string; readonly line: number; readonly col: number } | { readonly label: string; readonly line: number; readonly col: number };

export class GoTemplateError extends Error {}

const fail = (line: number, message: string): never => {
  throw new GoTemplateError(`template: :${line}: ${message}`);
};

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isIdent = (c: string) => /[A-Za-z0-9_]/.test(c);
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;

/** Parses a template; throws GoTemplateError as Go's parser would for what it cannot read. */
export function parseGoTemplate(src: string): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let i = 0;
  let line: number;
  // Line numbers and line starts as the scan moves forward: linear in the template's length
  // (counting from the start for each action made a 540 KB template take 27 s).
  let counted = 0;
  let lineNo = 1;
  let lineStart = 0;
  const advanceTo = (pos: number) => {
    for (; counted < pos; counted++) {
      if (src.charCodeAt(counted) === 10) {
        lineNo++;
        lineStart = counted + 1;
      }
    }
  };
  const lineAt = (pos: number) => {
    advanceTo(pos);
    return lineNo;
  };
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (open < 0) {
      if (text) nodes.push({ text });
      break;
    }
    // `{{- ` trims the whitespace before the action.
    const trimLeft = src.startsWith('{{- ', open) || src.startsWith('{{-\t', open) || src.startsWith('{{-\n', open);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) nodes.push({ text });
    line = lineAt(open);
    let j = open + (trimLeft ? 3 : 2);
    const words: { kind: 'field' | 'ident' | 'string'; value: string; at: number }[] = [];
    for (;;) {
      if (j >= src.length) fail(line, 'unclosed action');
      const c = src[j]!;
      if (isSpace(c)) {
        if (src.startsWith('-}}', j + 1)) break;
        j++;
        continue;
      }
      if (src.startsWith('}}', j)) break;
      if (c === '.' || /[A-Za-z_]/.test(c)) {
        let k = c === '.' ? j + 1 : j;
        while (k < src.length && isIdent(src[k]!)) k++;
        if (c === '.' && k === j + 1) fail(line, 'unexpected . in operand');
        // Go's lexer: a field or identifier ends at a space, the end of the action, or one of . , | : ( )
        if (k < src.length && !isSpace(src[k]!) && !src.startsWith('}}', k) && !'.,|:()'.includes(src[k]!)) fail(line, `bad character ${codePoint(src[k]!)}`);
        words.push(c === '.' ? { kind: 'field', value: src.slice(j + 1, k), at: j } : { kind: 'ident', value: src.slice(j, k), at: j });
        j = k;
        continue;
      }
      if (c === '"' || c === '`') {
        let k = j + 1;
        let value = '';
        while (k < src.length && src[k] !== c) {
          if (c === '"' && src[k] === '\\' && k + 1 < src.length) {
            const e = src[k + 1]!;
            value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
            k += 2;
            continue;
          }
          if (c === '"' && src[k] === '\n') fail(line, 'unterminated quoted string');
          value += src[k];
          k++;
        }
        if (k >= src.length) fail(line, c === '"' ? 'unterminated quoted string' : 'unterminated raw quoted string');
        words.push({ kind: 'string', value, at: j });
        j = k + 1;
        continue;
      }
      // Go's lexer hands other printable ASCII to the parser, which finds no operand in it.
      fail(line, c >= ' ' && c <= '~' ? `unexpected ${JSON.stringify(c)} in operand` : `unrecognized character in action: ${codePoint(c)}`);
    }
    const trimRight = src.startsWith(' -}}', j) || src.startsWith('\t-}}', j) || src.startsWith('\n-}}', j);
    const end = trimRight ? j + 4 : j + 2;
    const [first, ...args] = words;
    // Go's ErrorContext: the byte offset of the command in its line.
    if (first) advanceTo(first.at);
    const col = first ? first.at - lineStart : 0;
    if (!first) fail(line, 'missing value for command');
    else if (first.kind === 'field' && args.length === 0) nodes.push({ field: first.value, line, col });
    else if (first.kind === 'ident' && first.value === 'label') {
      if (args.length !== 1 || args[0]!.kind !== 'string') fail(line, `wrong number of args for label: want 1 got ${args.length}`);
      nodes.push({ label: args[0]!.value, line, col });
    } else if (first.kind === 'ident') fail(line, `function "${first.value}" not defined`);
    else fail(line, `can't give argument to non-function ${first.kind === 'field' ? `.${first.value}` : JSON.stringify(first.value)}`);
    i = end;
    if (trimRight) while (i < src.length && isSpace(src[i]!)) i++;
  }
  return nodes;
}

/** Renders parsed nodes; a field not in `fields` or a label not in `labels` fails as Go's execution does. */
export function renderGoTemplate(nodes: readonly TemplateNode[], fields: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>, typeName = 'hostname.Params'): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('field' in n) {
      if (!(n.field in fields)) throw new GoTemplateError(`template: :${n.line}:${n.col}: executing "" at <.${n.field}>: can't evaluate field ${n.field} in type ${typeName}`);
      out += fields[n.field];
    } else {
      if (!(n.label in labels)) throw new GoTemplateError(`template: :${n.line}:${n.col}: executing "" at <label "${n.label}">: error calling label: label ${n.label} not found`);
      out += labels[n.label];
    }
  }
  return out;
}

/**
 * A hostname template evaluated as Kuma evaluates one: parsed, rendered, and checked as a DNS
 * name; or the step that failed with its message (Go's, or the DNS rule's issues).
 */
export function evaluateHostnameTemplate(
  template: string,
  fields: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): { hostname: string } | { step: 'parse'; message: string } | { step: 'render'; message: string } | { step: 'dns'; rendered: string; message: string } {
  let nodes: TemplateNode[];
  try {
    nodes = parseGoTemplate(template);
  } catch (err) {
    if (err instanceof GoTemplateError) return { step: 'parse', message: err.message };
    throw err;
  }
  let rendered: string;
  try {
    rendered = renderGoTemplate(nodes, fields, labels);
  } catch (err) {
    if (err instanceof GoTemplateError) return { step: 'render', message: err.message };
    throw err;
  }
  const dns = dns1123SubdomainIssues(rendered);
  return dns.length ? { step: 'dns', rendered, message: dns.join(', ') } : { hostname: rendered };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes' IsDNS1123Subdomain, with its messages (Kuma's hostname checks use it). */
export function dns1123SubdomainIssues(value: string): string[] {
  const issues: string[] = [];
  if (value.length > 253) issues.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    issues.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return issues;
}

import { z } from 'zod';
import { parseDuration } from '../core/duration.ts';

// Field schemas shared by resource and policy schemas. Messages are written for users:
// they appear verbatim as `invalid_parameters[].reason`.

export const NAME_MAX = 253;
const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const nameSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'cannot be empty')
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(NAME_RE, 'must consist of letters, digits, "-", "_" or "." and start and end with a letter or digit');

const LABEL_KEY_RE = /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const labelsSchema = z.record(
  z.string().max(317, 'label key is too long').regex(LABEL_KEY_RE, 'invalid label key'),
  z.string({ error: 'label value must be a string' }).max(1024, 'label value is too long'),
);

/** Dataplane and selector tags: non-empty keys and values. */
export const tagsSchema = z.record(
  z.string().min(1, 'tag key cannot be empty'),
  z.string({ error: 'tag value must be a string' }).min(1, 'tag value cannot be empty'),
);

export function duration(options: { extended?: boolean; min?: string } = {}) {
  const minMs = options.min ? (parseDuration(options.min, true) as { ok: true; ms: number }).ms : undefined;
  return z.string({ error: 'must be a duration like 2s or 500ms' }).superRefine((value, ctx) => {
    const r = parseDuration(value, options.extended ?? false);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
    else if (minMs !== undefined && r.ms < minMs) ctx.addIssue({ code: 'custom', message: `must be at least ${options.min}` });
  });
}

/** A positive duration (zero refused), as for intervals. */
export function positiveDuration() {
  return z.string({ error: 'must be a duration like 2s or 500ms' }).superRefine((value, ctx) => {
    const r = parseDuration(value);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
    else if (r.ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
  });
}

/** Kuma's IntOrString percentage: 0–100, an integer or a decimal string such as "99.9". */
export const percentage = z
  .union([z.number(), z.string()], { error: 'must be a number or a decimal string between 0 and 100' })
  .superRefine((value, ctx) => {
    const n = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isFinite(n)) ctx.addIssue({ code: 'custom', message: 'must be a number or a decimal string between 0 and 100' });
    else if (n < 0 || n > 100) ctx.addIssue({ code: 'custom', message: 'must be between 0 and 100' });
  });

export const port = z.number({ error: 'must be a port number' }).int('must be an integer').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535');
export const uint32 = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must not be negative').max(4294967295, 'is too large');
export const positiveInt = z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be greater than zero');
export const httpStatus = z.number({ error: 'must be an HTTP status code' }).int('must be an integer').min(100, 'must be between 100 and 599').max(599, 'must be between 100 and 599');

/** A list of `{name, value}` header entries, as in Gateway API filters. */
export const headerValues = z.array(z.strictObject({ name: z.string().min(1, 'cannot be empty'), value: z.string() }));
// Kuma's validateHeaderModifier: something to do, and each header named once.
export const headerModifier = z
  .strictObject({
    add: headerValues.optional(),
    set: headerValues.optional(),
    remove: z.array(z.string().min(1, 'cannot be empty')).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.set === undefined && m.add === undefined && m.remove === undefined) return ctx.addIssue({ code: 'custom', message: 'must have at least one defined: set, add, remove' });
    const seen = new Set<string>();
    const once = (name: string, path: (string | number)[]) => {
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path, message: 'duplicate header name' });
      seen.add(name.toLowerCase());
    };
    (m.set ?? []).forEach((h, i) => once(h.name, ['set', i, 'name']));
    (m.add ?? []).forEach((h, i) => once(h.name, ['add', i, 'name']));
    (m.remove ?? []).forEach((name, i) => once(name, ['remove', i]));
  });

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;

export function isIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(':') && /^[0-9A-Fa-f:.]+$/.test(value));
}

/** An IP address or a DNS name. */
export const address = z
  .string({ error: 'must be an IP address or a hostname' })
  .min(1, 'cannot be empty')
  .refine((v) => isIp(v) || HOSTNAME.test(v), 'must be an IP address or a hostname');

/** `host:port` */
export const hostPort = z
  .string()
  .regex(/^([^:]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, 'must be HOST:PORT');

// ---------------------------------------------------------------------------------------
// Kuma's own field rules and messages (pkg/core/validators, apis/mesh/validators.go), for
// the resources and policies that report what Kuma reports.

/** An RFC 1035 label (Kubernetes' IsDNS1035Label): lower case letters, digits and '-', at most 63 characters, starting with a letter. */
export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value);
}

/** Kuma's message for any port outside 1–65535, a missing one included. */
export const KUMA_PORT_RANGE = 'port must be in the range [1, 65535]';

/** A port as Kuma checks it (ValidatePort): missing, 0 and above 65535 all get Kuma's message. */
export const kumaPort = z
  .number({ error: (issue) => (issue.input === undefined || typeof issue.input === 'number' ? KUMA_PORT_RANGE : 'must be a port number') })
  .int(KUMA_PORT_RANGE)
  .min(1, KUMA_PORT_RANGE)
  .max(65535, KUMA_PORT_RANGE);

/** One violation found by a plain checking function, its path relative to the checked value. */
export interface FieldIssue {
  path: PropertyKey[];
  message: string;
}

/** Adds the issues of a checking function to a zod refinement, under `prefix`. */
export function addIssues(ctx: z.RefinementCtx, issues: readonly FieldIssue[], prefix: readonly PropertyKey[] = []): void {
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: [...prefix, ...issue.path], message: issue.message });
}

/**
 * Parses `value` with `schema` inside a refinement, reporting its issues under `prefix` (unknown
 * keys one by one, as parseDocument does). For loosely typed fields such as Kuma's `conf`
 * structs, whose shape depends on a sibling `type`. Returns the value when its fields have the
 * right types (unknown keys are reported but do not hide the owner's rules), or undefined.
 */
export function parseNested<T>(schema: z.ZodType<T>, value: unknown, ctx: z.RefinementCtx, prefix: readonly PropertyKey[]): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: [...prefix, ...issue.path, key], message: 'unknown field' });
    } else {
      ctx.addIssue({ code: 'custom', path: [...prefix, ...issue.path], message: issue.message });
    }
  }
  return r.error.issues.every((issue) => issue.code === 'unrecognized_keys') ? (value as T) : undefined;
}

/** Kuma's tag character sets (ValidateTags, ValidateSelector). */
export const KUMA_TAG_NAME_RE = /^[a-zA-Z0-9.\-_:/]*$/;
export const KUMA_TAG_VALUE_RE = /^[a-zA-Z0-9.\-_:]*$/;
export const KUMA_SELECTOR_VALUE_RE = /^([a-zA-Z0-9.\-_:/]*|\*)$/;
import { SERVICE_TAG as KUMA_SERVICE_TAG } from './labels.ts';

export interface KumaTagsOptions {
  /** ValidateSelector rather than ValidateTags: values may contain "/" or be "*". */
  selector?: boolean;
  /** RequireAtLeastOneTag: "must have at least one tag". */
  requireAtLeastOne?: boolean;
  /** RequireService: `mandatory tag "kuma.io/service" is missing`, on the map itself. */
  requireService?: boolean;
  /** Checks of the whole map run before the per-tag ones (Kuma's ExtraTagsValidators). */
  extra?: (tags: Readonly<Record<string, string>>) => FieldIssue[];
}

/**
 * Kuma's validateTagKeyValues: a tag name must be non-empty and of letters, digits, ".", "-",
 * "_", ":" and "/"; a value non-empty and of letters, digits, ".", "-", "_" and ":" (for
 * selectors also "/", or exactly "*"). Paths are relative to the map: `[]` or `[key]`.
 */
export function kumaTagIssues(tags: Readonly<Record<string, string>> | undefined, options: KumaTagsOptions = {}): FieldIssue[] {
  const out: FieldIssue[] = [];
  const map = tags ?? {};
  if (options.requireAtLeastOne && Object.keys(map).length === 0) out.push({ path: [], message: 'must have at least one tag' });
  if (options.extra) out.push(...options.extra(map));
  for (const key of Object.keys(map).sort()) {
    // A null value (YAML `key:`) is reported by kumaTagMap; the other rules read it as empty.
    const raw = map[key] as string | null | undefined;
    const value = raw ?? '';
    if (key === '') out.push({ path: [], message: 'tag name must be non-empty' });
    if (!KUMA_TAG_NAME_RE.test(key)) out.push({ path: [key], message: 'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores' });
    if (raw === '') out.push({ path: [key], message: 'tag value must be non-empty' });
    if (options.selector) {
      if (!KUMA_SELECTOR_VALUE_RE.test(value)) out.push({ path: [key], message: 'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"' });
    } else if (!KUMA_TAG_VALUE_RE.test(value)) {
      out.push({ path: [key], message: 'tag value must consist of alphanumeric characters, dots, dashes and underscores' });
    }
  }
  if (options.requireService && !(KUMA_SERVICE_TAG in map)) out.push({ path: [], message: `mandatory tag "${KUMA_SERVICE_TAG}" is missing` });
  return out;
}

/**
 * A tag map of strings, shape only; Kuma's rules are applied by `kumaTags` or by the owner's
 * refinement (when they depend on sibling fields). A YAML `key:` without a value (null) is
 * refused as Kuma refuses an empty value, without hiding the other rules' findings.
 */
export const kumaTagMap = z
  .record(z.string(), z.string({ error: 'tag value must be a string' }).nullable())
  .superRefine((tags, ctx) => {
    for (const [key, value] of Object.entries(tags)) if (value === null) ctx.addIssue({ code: 'custom', path: [key], message: 'tag value must be non-empty' });
  }) as unknown as z.ZodType<Record<string, string>>;

/** A tag map checked with Kuma's rules (see kumaTagIssues). */
export function kumaTags(options: KumaTagsOptions = {}) {
  return kumaTagMap.superRefine((tags, ctx) => addIssues(ctx, kumaTagIssues(tags, options)));
}

/** The 16 bytes of an IP address as Go's net.ParseIP reads it (IPv4 as IPv4-mapped IPv6), or undefined. */
export function parseIp(value: string): number[] | undefined {
  const v4 = (s: string): number[] | undefined => {
    const parts = s.split('.');
    if (parts.length !== 4) return undefined;
    const bytes: number[] = [];
    for (const p of parts) {
      if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0')) || Number(p) > 255) return undefined;
      bytes.push(Number(p));
    }
    return bytes;
  };
  if (!value.includes(':')) {
    const b = v4(value);
    return b && [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b];
  }
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string, last: boolean): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (last && i === parts.length - 1 && p.includes('.')) {
        const b = v4(p);
        if (!b) return undefined;
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const n = head.length + tail.length;
  // An ellipsis stands for at least one zero group.
  if (halves.length === 2 ? n > 7 : n !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** An IP address as Go's net.ParseIP accepts it (no zone, no leading zeros). */
export function isKumaIp(value: string): boolean {
  return parseIp(value) !== undefined;
}

/** 0.0.0.0 or :: (Go's IP.IsUnspecified). */
export function isUnspecifiedIp(value: string): boolean {
  const b = parseIp(value);
  if (!b) return false;
  return b.every((x) => x === 0) || (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff && b.slice(12).every((x) => x === 0));
}

/** Kuma's overlap(a, b): either is 0.0.0.0 / :: or both are the same IP; a hostname overlaps nothing. */
export function ipsOverlap(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  if (!x || !y) return false;
  if (isUnspecifiedIp(a) || isUnspecifiedIp(b)) return true;
  return x.every((v, i) => v === y[i]);
}

const KUMA_DNS_NAME_RE = /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/;

/** A DNS name as Kuma's govalidator.IsDNSName accepts it (not an IP). */
export function isKumaDnsName(value: string): boolean {
  if (value === '' || value.replaceAll('.', '').length > 255) return false;
  return !isKumaIp(value) && KUMA_DNS_NAME_RE.test(value);
}

/** Kuma's validateAddress: messages for a proxy's or listener's address (none when valid). */
export function kumaAddressIssues(address: string | undefined): string[] {
  if (!address) return ["address can't be empty"];
  const out: string[] = [];
  if (address === '0.0.0.0' || address === '::') out.push('must not be 0.0.0.0 or ::');
  if (!isKumaIp(address) && !isKumaDnsName(address)) out.push('address has to be valid IP address or domain name');
  return out;
}

/**
 * Go's url.ParseRequestURI: an absolute path ("/healthz"), "*", or an absolute URI with a
 * scheme ("http://host:8080/x"); no control characters. "healthz" and "" are refused.
 */
export function isRequestUri(value: string): boolean {
  if (value === '' || /[\x00-\x1f\x7f]/.test(value)) return false;
  if (value === '*' || value.startsWith('/')) return true;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(value);
  if (!m) return false;
  if (m[2]!.startsWith('//')) {
    try {
      new URL(value);
    } catch {
      return false;
    }
  }
  return true;
}

/** Kuma's identifier rule (resource names, backend ref names): a lowercase RFC 1123 subdomain. */
export const KUMA_IDENTIFIER_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const KUMA_IDENTIFIER_MESSAGE = "invalid characters. A lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Kuma's validateIdentifier: messages for a name (none when valid). */
export function kumaIdentifierIssues(name: string): string[] {
  if (name === '') return ['cannot be empty'];
  if (name.length > 253) return ['value length must less or equal 253'];
  return KUMA_IDENTIFIER_RE.test(name) ? [] : [KUMA_IDENTIFIER_MESSAGE];
}

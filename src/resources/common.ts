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
export const headerModifier = z.strictObject({
  add: headerValues.optional(),
  set: headerValues.optional(),
  remove: z.array(z.string().min(1, 'cannot be empty')).optional(),
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

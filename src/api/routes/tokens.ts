import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { MeshworkError } from '../../core/errors.ts';
import { nameSchema } from '../../resources/common.ts';
import { zodIssuesToParameters } from '../../resources/validation.ts';
import type { ApiDeps } from '../deps.ts';

// POST /tokens/zone {zone, validFor, scope?} → the token as text/plain (Kuma's endpoint).
// POST /tokens/dataplane {mesh, name?, validFor?, tags?, type?, workload?}, as kumactl sends it.
// POST /tokens/user {name, groups, validFor}, as kumactl generate user-token sends it.
// Only on global (and standalone zones for dataplane and user tokens); admin only (every POST needs admin).

const body = z.strictObject({
  zone: nameSchema,
  validFor: z.string({ error: 'must be a duration like 24h' }).superRefine((v, ctx) => {
    const d = parseDuration(v, true);
    if (!d.ok) ctx.addIssue({ code: 'custom', message: d.reason });
    else if (d.ms < 1000) ctx.addIssue({ code: 'custom', message: 'must be at least 1s' });
  }),
  scope: z.array(z.enum(['cp', 'ingress', 'egress'], { error: 'must be cp, ingress or egress' })).optional(),
});

/** kumactl sends every field, empty when not given ("", null): empty means absent, as in Kuma. */
const orAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const dataplaneBody = z.strictObject({
  mesh: nameSchema,
  name: orAbsent(nameSchema),
  // Kuma's default when absent: ten years.
  validFor: orAbsent(body.shape.validFor),
  tags: orAbsent(z.record(z.string(), z.array(z.string()))),
  type: orAbsent(z.enum(['dataplane', 'ingress', 'egress'], { error: 'must be dataplane, ingress or egress' })),
  workload: orAbsent(nameSchema),
});

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

// Kuma's checks of a user token request, with its messages.
const userBody = z.object({ name: z.unknown().optional(), groups: z.unknown().optional(), validFor: z.unknown().optional() });
function userTokenRequest(raw: unknown): { name: string; groups: string[]; validForMs: number } {
  const parsed = userBody.safeParse(raw ?? {});
  const b = parsed.success ? parsed.data : {};
  const violations: { field: string; reason: string }[] = [];
  const name = typeof b.name === 'string' ? b.name : '';
  if (!name) violations.push({ field: 'name', reason: 'cannot be empty' });
  const groups = Array.isArray(b.groups) ? b.groups : b.groups === undefined || b.groups === null ? [] : undefined;
  if (!groups || groups.some((g) => typeof g !== 'string')) violations.push({ field: 'groups', reason: 'must be a list of strings' });
  let validForMs = 0;
  const validFor = typeof b.validFor === 'string' ? b.validFor : '';
  if (!validFor) violations.push({ field: 'validFor', reason: 'cannot be empty' });
  else {
    const d = parseDuration(validFor, true);
    if (!d.ok) violations.push({ field: 'validFor', reason: `is invalid: ${d.reason}` });
    else if (d.ms === 0) violations.push({ field: 'validFor', reason: 'cannot be empty or nil' });
    else validForMs = d.ms;
  }
  if (violations.length) throw new MeshworkError('BAD_REQUEST', 'invalid user token request', { invalidParameters: violations });
  return { name, groups: (groups ?? []) as string[], validForMs };
}

export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const userTokens = deps.userTokens;
  if (userTokens) {
    // POST /tokens/user {name, groups, validFor} → the token as text/plain (admins only).
    app.post('/tokens/user', async (req, reply) => {
      const { name, groups, validForMs } = userTokenRequest(req.body);
      void reply.type('text/plain');
      return userTokens.issue({ name, groups }, validForMs);
    });
  }
  const dpTokens = deps.dataplaneTokens;
  if (dpTokens) {
    // POST /tokens/dataplane {mesh, name?, validFor, tags?, type?} → the token as text/plain.
    app.post('/tokens/dataplane', async (req, reply) => {
      const parsed = dataplaneBody.safeParse(req.body ?? {});
      if (!parsed.success) throw new MeshworkError('BAD_REQUEST', 'invalid dataplane token request', { invalidParameters: zodIssuesToParameters(parsed.error) });
      const { mesh, name, tags, type, validFor, workload } = parsed.data;
      try {
        await deps.manager.get({ type: 'Mesh', name: mesh });
      } catch {
        throw new MeshworkError('MESH_NOT_FOUND', `mesh "${mesh}" does not exist`, { invalidParameters: [{ field: 'mesh', reason: `mesh "${mesh}" does not exist` }] });
      }
      const ms = validFor === undefined ? TEN_YEARS_MS : (parseDuration(validFor, true) as { ms: number }).ms;
      void reply.type('text/plain');
      return dpTokens.issue({ mesh, ...(name ? { name } : {}), ...(tags ? { tags } : {}), ...(type ? { type } : {}), ...(workload ? { workload } : {}) }, ms);
    });
  }
  const ingressTokens = deps.zoneIngressTokens;
  if (ingressTokens) {
    // POST /tokens/zone-ingress {validFor} → the token as text/plain (zones only).
    app.post('/tokens/zone-ingress', async (req, reply) => {
      const parsed = z.strictObject({ validFor: body.shape.validFor }).safeParse(req.body ?? {});
      if (!parsed.success) throw new MeshworkError('BAD_REQUEST', 'invalid zone ingress token request', { invalidParameters: zodIssuesToParameters(parsed.error) });
      void reply.type('text/plain');
      return ingressTokens.issue((parseDuration(parsed.data.validFor, true) as { ms: number }).ms);
    });
  }
  const tokens = deps.zoneTokens;
  if (!tokens) return;
  app.post('/tokens/zone', async (req, reply) => {
    const parsed = body.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new MeshworkError('BAD_REQUEST', 'invalid zone token request', { invalidParameters: zodIssuesToParameters(parsed.error) });
    }
    const ms = (parseDuration(parsed.data.validFor, true) as { ms: number }).ms;
    const token = await tokens.issue(parsed.data.zone, ms, parsed.data.scope ?? ['cp']);
    void reply.type('text/plain');
    return token;
  });
}

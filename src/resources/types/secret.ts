import { z } from 'zod';
import { defineResource } from '../descriptor.ts';

const data = z
  .string({ error: 'must be a base64-encoded string' })
  .min(1, 'cannot be empty')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64-encoded')
  .refine((s) => s.length % 4 === 0, 'must be base64-encoded (length must be a multiple of 4)');

export const secretSpecSchema = z.strictObject({ data });
export type SecretSpec = z.infer<typeof secretSpecSchema>;

export const SecretType = defineResource({
  name: 'Secret',
  scope: 'mesh',
  schema: secretSpecSchema,
  inlineSpec: true,
  kds: 'down',
  sensitive: true,
});

export const GlobalSecretType = defineResource({
  name: 'GlobalSecret',
  scope: 'global',
  schema: secretSpecSchema,
  inlineSpec: true,
  collection: 'global-secrets',
  // Kuma 2.14's path (what kumactl calls); global-secrets is its alternative.
  aliases: ['globalsecrets'],
  cli: { singular: 'global-secret', plural: 'global-secrets' },
  kds: 'down',
  sensitive: true,
});

/** Global secrets that never leave global (filtered out of KDS). */
export const GLOBAL_ONLY_SECRETS = [/^admin-user-token$/, /^envoy-admin-ca$/, /^user-token-signing-key/, /^zone-token-signing-key/, /^kds-server-tls$/];

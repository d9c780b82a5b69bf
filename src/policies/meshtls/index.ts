import { definePolicy } from '../core/define-policy.ts';
import { meshTlsSpec } from './schema.ts';

/** MeshTLS: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshTLSType = definePolicy('MeshTLS', meshTlsSpec, { shortName: 'mtls' });

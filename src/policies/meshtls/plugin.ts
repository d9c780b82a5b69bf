import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { forEachInbound } from '../core/plugin.ts';
import type { meshTlsConf } from './schema.ts';

// MeshTLS (from/rules) → the inbound mTLS filter chains: TLS versions and ciphers in the
// DownstreamTlsContext, and the mode: Strict drops the plain-text chain, Permissive keeps
// (or adds) one. Needs mesh mTLS, like Kuma.

type Conf = z.infer<typeof meshTlsConf>;
type Obj = Record<string, unknown>;
const VERSION: Record<string, string> = { TLSAuto: 'TLS_AUTO', TLS10: 'TLSv1_0', TLS11: 'TLSv1_1', TLS12: 'TLSv1_2', TLS13: 'TLSv1_3' };

export const meshTlsPlugin: PolicyPlugin = {
  type: 'MeshTLS',
  order: 4,
  apply(ctx, rules, out) {
    if (!ctx.mtls) return;
    forEachInbound(rules, out, (listener, { inbound }) => {
      const conf = inbound?.conf as Conf | undefined;
      if (!conf) return;
      const chains = (listener.filter_chains as Obj[]) ?? [];
      const tls = chains.find((c) => (c.filter_chain_match as Obj | undefined)?.transport_protocol === 'tls');
      if (!tls) return;
      const context = ((tls.transport_socket as Obj).typed_config as Obj).common_tls_context as Obj;
      const params: Obj = {};
      if (conf.tlsVersion?.min) params.tls_minimum_protocol_version = VERSION[conf.tlsVersion.min];
      if (conf.tlsVersion?.max) params.tls_maximum_protocol_version = VERSION[conf.tlsVersion.max];
      if (conf.tlsCiphers?.length) params.cipher_suites = conf.tlsCiphers;
      if (Object.keys(params).length) context.tls_params = params;
      const plain = chains.find((c) => (c.filter_chain_match as Obj | undefined)?.transport_protocol === 'raw_buffer');
      if (conf.mode === 'Strict' && plain) listener.filter_chains = chains.filter((c) => c !== plain);
      if (conf.mode === 'Permissive' && !plain) {
        const filters = structuredClone(tls.filters) as Obj[];
        for (const f of filters) delete ((f.typed_config as Obj | undefined) ?? {}).forward_client_cert_details;
        for (const f of filters) delete ((f.typed_config as Obj | undefined) ?? {}).set_current_client_cert_details;
        listener.filter_chains = [...chains, { filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: filters.filter((f) => !String(f.name).includes('rbac')) }];
      }
    });
  },
};

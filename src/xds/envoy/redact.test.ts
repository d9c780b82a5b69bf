import { describe, expect, it } from 'vitest';
import { REDACTED, redactConfigDump, redactSensitive } from './redact.ts';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';

describe('config dump redaction', () => {
  it('redacts private keys of SDS secrets and keeps the certificate chain', () => {
    const dump = redactConfigDump({
      secret: [{ name: 'identity', tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: KEY } } }],
      cluster: [],
    });
    expect(dump.secret).toEqual([{ name: 'identity', tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: REDACTED } } }]);
  });

  it('follows typed configs (Any), camelCase names, bytes and every sensitive field', () => {
    const cluster = {
      name: 'backend',
      transportSocket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: 'CERT' }, privateKey: { inline_bytes: Buffer.from(KEY).toString('base64') }, password: { inline_string: 'hunter2' } }] },
          sni: 'backend',
        },
      },
    };
    const out = JSON.stringify(redactSensitive('envoy.config.cluster.v3.Cluster', cluster));
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain(Buffer.from(KEY).toString('base64'));
    expect(out).toContain('"sni":"backend"');
    expect(out).toContain('"certificate_chain":{"inline_string":"CERT"}');
    expect(out).toContain(`"privateKey":{"inline_bytes":"${Buffer.from(REDACTED).toString('base64')}"}`);
    const generic = redactSensitive('envoy.extensions.transport_sockets.tls.v3.Secret', { name: 'hmac', generic_secret: { secret: { inline_string: 's3cr3t' } } });
    expect(generic).toEqual({ name: 'hmac', generic_secret: { secret: { inline_string: REDACTED } } });
  });

  it('drops a typed config whose type it cannot read rather than show it', () => {
    const out = redactSensitive('envoy.config.listener.v3.Listener', { name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.such.Type', secret: KEY } }] }] });
    expect(JSON.stringify(out)).not.toContain('PRIVATE KEY');
  });
});

import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { forEachOutbound, HCM, inboundListeners, networkFilters, TCP_PROXY } from '../core/plugin.ts';
import type { meshAccessLogConf } from './schema.ts';

// MeshAccessLog → Envoy access loggers on the HTTP connection managers and TCP proxies of
// outbounds (to) and inbounds (from/rules). The file backend writes plain text (Kuma's
// default format unless one is given) or JSON; tcp and openTelemetry backends are not
// wired yet.

type Conf = z.infer<typeof meshAccessLogConf>;
type Obj = Record<string, unknown>;
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const DEFAULT_FORMAT = '[%START_TIME%] %RESPONSE_CODE% %REQ(:METHOD)% %REQ(:PATH)% %UPSTREAM_HOST% %DURATION%ms\n';

function loggers(conf: Conf): Obj[] {
  return (conf.backends ?? []).flatMap((b) => {
    if (!b.file) return [];
    const f = b.file.format;
    const log_format = f?.type === 'Json'
      ? { json_format: Object.fromEntries((f.json ?? []).map((e) => [e.key, e.value])) }
      : { text_format_source: { inline_string: f?.plain ? `${f.plain}\n` : DEFAULT_FORMAT } };
    return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: b.file.path, log_format } }];
  });
}

function attach(listener: Obj, conf: Conf): void {
  const logs = loggers(conf);
  if (!logs.length) return;
  for (const { config } of [...networkFilters(listener, HCM), ...networkFilters(listener, TCP_PROXY)]) config.access_log = [...((config.access_log as Obj[] | undefined) ?? []), ...logs];
}

export const meshAccessLogPlugin: PolicyPlugin = {
  type: 'MeshAccessLog',
  order: 80,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (conf, { listener }) => attach(listener, conf as Conf));
    if (rules.inbound) for (const listener of inboundListeners(out)) attach(listener, rules.inbound.conf as Conf);
  },
};

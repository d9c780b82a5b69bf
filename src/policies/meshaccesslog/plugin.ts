import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { forEachOutbound, HCM, inboundListeners, networkFilters, TCP_PROXY } from '../core/plugin.ts';
import type { meshAccessLogConf } from './schema.ts';
import { ACCESS_LOG_ADDRESS_KEY } from '../../dp/agent-protocol.ts';

// MeshAccessLog → Envoy access loggers on the HTTP connection managers and TCP proxies of
// outbounds (to) and inbounds (from/rules). The file backend writes plain text (Kuma's
// default format unless one is given) or JSON. The tcp backend, as Kuma's, goes through
// the proxy's agent: Envoy writes the formatted line to the FIFO meshwork-dp announced
// (ctx.accessLogPath), tagged with the backend's address (`ADDRESS;line`, or the
// ACCESS_LOG_ADDRESS_KEY of a JSON line), and meshwork-dp sends it there over TCP. The
// openTelemetry backend is not wired yet.

type Conf = z.infer<typeof meshAccessLogConf>;
type Format = NonNullable<NonNullable<NonNullable<Conf['backends']>[number]['file']>['format']>;
type Obj = Record<string, unknown>;
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const DEFAULT_FORMAT = '[%START_TIME%] %RESPONSE_CODE% %REQ(:METHOD)% %REQ(:PATH)% %UPSTREAM_HOST% %DURATION%ms';

const logFormat = (f: Format | undefined, address?: string) =>
  f?.type === 'Json'
    ? { json_format: { ...(address ? { [ACCESS_LOG_ADDRESS_KEY]: address } : {}), ...Object.fromEntries((f.json ?? []).map((e) => [e.key, e.value])) } }
    : { text_format_source: { inline_string: `${address ? `${address};` : ''}${f?.plain ?? DEFAULT_FORMAT}\n` } };

function loggers(conf: Conf, accessLogPath: string | undefined): Obj[] {
  return (conf.backends ?? []).flatMap((b) => {
    if (b.file) return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: b.file.path, log_format: logFormat(b.file.format) } }];
    if (b.tcp && accessLogPath) return [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: accessLogPath, log_format: logFormat(b.tcp.format, b.tcp.address) } }];
    return [];
  });
}

function attach(listener: Obj, conf: Conf, accessLogPath: string | undefined): void {
  const logs = loggers(conf, accessLogPath);
  if (!logs.length) return;
  for (const { config } of [...networkFilters(listener, HCM), ...networkFilters(listener, TCP_PROXY)]) config.access_log = [...((config.access_log as Obj[] | undefined) ?? []), ...logs];
}

export const meshAccessLogPlugin: PolicyPlugin = {
  type: 'MeshAccessLog',
  order: 80,
  apply(ctx, rules, out) {
    forEachOutbound(rules, out, (conf, { listener }) => attach(listener, conf as Conf, ctx.accessLogPath));
    if (rules.inbound) for (const listener of inboundListeners(out)) attach(listener, rules.inbound.conf as Conf, ctx.accessLogPath);
  },
};

import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

// The demo's two applications, shared by `npm start` and deploy/docker-compose.yml:
// `backend` answers with its zone and its caller's identity (from the XFCC header its
// sidecar adds), and the traffic reporter calls a URL (web's outbound) in a bounded-rate
// loop and prints which zone answered.
//   node src/demo/apps.ts backend   (ZONE, PORT=8080, HOST=127.0.0.1)
//   node src/demo/apps.ts traffic URL

export async function startBackendApp(zone: string, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    const caller = /URI=spiffe:\/\/[^/]+\/([^;,]+)/.exec(String(req.headers['x-forwarded-client-cert'] ?? ''))?.[1] ?? 'an unknown client';
    res.setHeader('content-type', 'text/plain');
    res.end(`backend in ${zone}, called by ${caller}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export interface TrafficReport {
  /** Answers per zone, and `failed`. */
  readonly answers: Record<string, number>;
  stop(): void;
}

/** One call in flight at a time, every `everyMs`; prints a summary every `reportEveryMs`. */
export function startTraffic(url: string, print: (line: string) => void, options: { everyMs?: number; reportEveryMs?: number } = {}): TrafficReport {
  const answers: Record<string, number> = { 'zone-1': 0, 'zone-2': 0, failed: 0 };
  let inFlight = false;
  const calls = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    fetch(url, { signal: AbortSignal.timeout(3000) })
      .then(async (res) => {
        const zone = /backend in (\S+),/.exec(await res.text())?.[1];
        const key = res.ok && zone ? zone : 'failed';
        answers[key] = (answers[key] ?? 0) + 1;
      })
      .catch(() => answers.failed!++)
      .finally(() => (inFlight = false));
  }, options.everyMs ?? 250);
  const report = setInterval(() => print(`  web → backend: ${Object.entries(answers).map(([k, v]) => `${k} ${v}`).join(', ')}`), options.reportEveryMs ?? 5000);
  return {
    answers,
    stop() {
      clearInterval(calls);
      clearInterval(report);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [what, url] = process.argv.slice(2);
  if (what === 'backend') {
    const zone = process.env.ZONE ?? 'unknown';
    const port = Number(process.env.PORT ?? 8080);
    await startBackendApp(zone, port, process.env.HOST ?? '127.0.0.1');
    process.stdout.write(`backend of ${zone} listening on ${process.env.HOST ?? '127.0.0.1'}:${port}\n`);
  } else if (what === 'traffic' && url) {
    startTraffic(url, (line) => process.stdout.write(`${line}\n`));
  } else {
    process.stderr.write('usage: apps.ts backend | apps.ts traffic URL\n');
    process.exit(2);
  }
  process.on('SIGTERM', () => process.exit(0));
}

import { parentPort } from 'node:worker_threads';
import type { XdsKind } from '../../src/xds/envoy/protos.ts';
import { simProxy, type SimProxy } from './sim-proxy.ts';

// One thread of a simulated fleet (see fleet.ts): it runs the simulated Envoys it is given
// and answers the main thread's requests with their timings (now() values). Arming a wait
// and collecting it are separate requests, so that the main thread can act (PUT a policy,
// stop a CP) only once every thread is listening.

export interface SimSpec {
  target: string;
  nodeId: string;
  edsClusters: string[];
  delta: boolean;
  nodeMetadata?: Record<string, unknown>;
}

export type FleetRequest =
  | { id: number; op: 'start'; specs: SimSpec[] }
  | { id: number; op: 'configured' }
  | { id: number; op: 'armAck'; kind: XdsKind }
  | { id: number; op: 'armUpdate'; nodeIds?: string[] }
  | { id: number; op: 'warmTimeouts' }
  | { id: number; op: 'armReconnect'; since: number }
  | { id: number; op: 'collect' }
  | { id: number; op: 'close' };

const port = parentPort!;
let sims: SimProxy[] = [];
let armed: Promise<unknown> | undefined;

port.on('message', (req: FleetRequest) => {
  void handle(req).then(
    (result) => port.postMessage({ id: req.id, result }),
    (err: Error) => port.postMessage({ id: req.id, error: err.message }),
  );
});

async function handle(req: FleetRequest): Promise<unknown> {
  switch (req.op) {
    case 'start':
      // Like Envoys starting on their own: a few at a time, the event loop running between.
      for (let i = 0; i < req.specs.length; i += 50) {
        for (const s of req.specs.slice(i, i + 50)) sims.push(simProxy(s.target, s.nodeId, s.edsClusters, { delta: s.delta, ...(s.nodeMetadata ? { nodeMetadata: s.nodeMetadata } : {}) }));
        await new Promise(setImmediate);
      }
      return undefined;
    case 'configured':
      return { first: await Promise.all(sims.map((s) => s.firstResponseAt)), configured: await Promise.all(sims.map((s) => s.configuredAt)) };
    case 'armAck':
      armed = Promise.all(sims.map((s) => s.nextAck(req.kind)));
      return undefined;
    case 'armUpdate': {
      // A change is in effect once its listeners are ACKed and the clusters it changed are warm.
      const only = req.nodeIds && new Set(req.nodeIds);
      armed = Promise.all(sims.filter((s) => !only || only.has(s.nodeId)).map((s) => Promise.all([s.nextAck('listener'), s.nextWarm()]).then(([l, w]) => ({ nodeId: s.nodeId, at: Math.max(l, w) }))));
      return undefined;
    }
    case 'warmTimeouts':
      return sims.reduce((n, s) => n + s.warmTimeouts, 0);
    case 'armReconnect':
      armed = Promise.all(sims.map((s) => s.reconnected(req.since)));
      return undefined;
    case 'collect': {
      const result = await armed;
      armed = undefined;
      return result;
    }
    case 'close':
      for (const s of sims) s.close();
      sims = [];
      return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { DeltaClientSession } from './client-session.ts';
import type { DeltaDiscoveryResponse, DeltaResource } from './messages.ts';
import { DeltaServerSession, type Snapshot } from './server-session.ts';

const res = (name: string, version: string, bytes = 10): DeltaResource => ({ name, version, resource: { type_url: 'test', value: Buffer.alloc(bytes, 'x') } });

function snapshotOf(types: Record<string, DeltaResource[]>): Snapshot {
  const maps = new Map(Object.entries(types).map(([t, rs]) => [t, new Map(rs.map((r) => [r.name, r]))]));
  return { resources: (t) => maps.get(t) };
}

/** A server and a client session wired back to back, the client holding a map per type. */
function pair(options: { maxMessageBytes?: number; held?: Record<string, Record<string, string>>; reject?: (name: string) => string | undefined } = {}) {
  const held = new Map<string, Map<string, string>>(Object.entries(options.held ?? {}).map(([t, v]) => [t, new Map(Object.entries(v))]));
  const responses: DeltaDiscoveryResponse[] = [];
  const events = { acked: [] as string[], nacked: [] as string[], oversized: [] as string[] };
  let client: DeltaClientSession;
  const server = new DeltaServerSession({
    maxMessageBytes: options.maxMessageBytes ?? 1 << 20,
    logger: silentLogger(),
    send: (r) => {
      responses.push(r);
      client.handleResponse(r);
    },
    events: {
      acked: (t) => events.acked.push(t),
      nacked: (t, m) => events.nacked.push(`${t}: ${m}`),
      oversized: (t, n) => events.oversized.push(`${t}/${n}`),
    },
  });
  client = new DeltaClientSession({
    types: ['A', 'B'],
    logger: silentLogger(),
    send: (req) => server.handleRequest(req),
    initialVersions: async (t) => Object.fromEntries(held.get(t) ?? []),
    apply: async (t, resources, removed) => {
      const m = held.get(t) ?? new Map<string, string>();
      held.set(t, m);
      const rejected = [];
      for (const r of resources) {
        const reason = options.reject?.(r.name);
        if (reason) rejected.push({ name: r.name, reason });
        else m.set(r.name, r.version);
      }
      for (const n of removed) m.delete(n);
      return { rejected };
    },
  });
  const state = (t: string) => Object.fromEntries(held.get(t) ?? []);
  return { server, client, responses, events, state };
}

describe('delta sessions', () => {
  it('syncs every subscribed type and answers a subscription even when in sync', async () => {
    const { server, client, responses, events, state } = pair();
    server.setSnapshot(snapshotOf({ A: [res('a1', '1'), res('a2', '1')] }));
    await client.start((err) => {
      throw err;
    });
    await client.idle();
    expect(state('A')).toEqual({ a1: '1', a2: '1' });
    expect(responses.map((r) => r.type_url)).toEqual(['A', 'B']);
    expect(responses[1]!.resources).toEqual([]);
    expect(events.acked).toEqual(['A', 'B']);
    expect(server.pendingCount).toBe(0);
  });

  it('on reconnect sends only the difference from what the peer holds, and removes only what is gone', async () => {
    const { server, client, responses, state } = pair({ held: { A: { a1: '1', a2: 'old', gone: '1' } } });
    server.setSnapshot(snapshotOf({ A: [res('a1', '1'), res('a2', '2'), res('a3', '1')] }));
    await client.start(() => {});
    await client.idle();
    const first = responses[0]!;
    expect(first.resources.map((r) => r.name).sort()).toEqual(['a2', 'a3']);
    expect(first.removed_resources).toEqual(['gone']);
    expect(state('A')).toEqual({ a1: '1', a2: '2', a3: '1' });
  });

  it('pushes each snapshot change as a diff', async () => {
    const { server, client, responses, state } = pair();
    server.setSnapshot(snapshotOf({ A: [res('a1', '1')] }));
    await client.start(() => {});
    await client.idle();
    const before = responses.length;
    server.setSnapshot(snapshotOf({ A: [res('a1', '1'), res('a2', '1')] }));
    server.setSnapshot(snapshotOf({ A: [res('a2', '2')] }));
    server.setSnapshot(snapshotOf({ A: [res('a2', '2')] })); // no change: nothing sent
    await client.idle();
    const pushed = responses.slice(before);
    expect(pushed.map((r) => [r.resources.map((x) => `${x.name}@${x.version}`), r.removed_resources])).toEqual([
      [['a2@1'], []],
      [['a2@2'], ['a1']],
    ]);
    expect(state('A')).toEqual({ a2: '2' });
  });

  it('NACKs only the rejected resource, applies the rest, and does not resend the NACKed version', async () => {
    const { server, client, responses, events, state } = pair({ reject: (n) => (n === 'bad' ? 'spec.x: invalid' : undefined) });
    server.setSnapshot(snapshotOf({ A: [res('good', '1'), res('bad', '1')] }));
    await client.start(() => {});
    await client.idle();
    expect(state('A')).toEqual({ good: '1' });
    expect(events.nacked).toEqual(['A: rejected 1 of 2 resources: bad: spec.x: invalid']);
    const count = responses.length;
    server.setSnapshot(snapshotOf({ A: [res('good', '1'), res('bad', '1'), res('new', '1')] }));
    await client.idle();
    expect(responses.slice(count).map((r) => r.resources.map((x) => x.name))).toEqual([['new']]);
  });

  it('splits a large diff into responses under the size limit and skips an oversized resource', async () => {
    const { server, client, responses, events, state } = pair({ maxMessageBytes: 10_000 });
    const many = Array.from({ length: 100 }, (_, i) => res(`r${i}`, '1', 1000));
    server.setSnapshot(snapshotOf({ A: [...many, res('huge', '1', 20_000)] }));
    await client.start(() => {});
    await client.idle();
    const forA = responses.filter((r) => r.type_url === 'A');
    expect(forA.length).toBeGreaterThan(10);
    for (const r of forA) expect(r.resources.reduce((n, x) => n + x.resource.value.length, 0)).toBeLessThan(10_000);
    expect(Object.keys(state('A'))).toHaveLength(100);
    expect(events.oversized).toEqual(['A/huge']);
    expect(new Set(forA.map((r) => r.nonce)).size).toBe(forA.length);
  });

  it('hands non-resource failures to the stream owner instead of acknowledging', async () => {
    const sent: unknown[] = [];
    let fatal: unknown;
    const client = new DeltaClientSession({
      types: ['A'],
      logger: silentLogger(),
      send: (r) => sent.push(r),
      initialVersions: async () => ({}),
      apply: async () => {
        throw new Error('store unavailable');
      },
    });
    await client.start((err) => (fatal = err));
    client.handleResponse({ type_url: 'A', resources: [res('a', '1')], removed_resources: [], nonce: 'n1' });
    await client.idle();
    expect((fatal as Error).message).toBe('store unavailable');
    expect(sent).toHaveLength(1); // the subscription only: no ACK for what was not applied
  });

  it('serves subscriptions by name, adds and drops names, and resends a name subscribed again (a warming cluster)', () => {
    const sent: DeltaDiscoveryResponse[] = [];
    const server = new DeltaServerSession({ maxMessageBytes: 1 << 20, logger: silentLogger(), send: (r) => sent.push(r) });
    server.setSnapshot(snapshotOf({ EDS: [res('a', '1'), res('b', '1'), res('c', '1')] }));
    const names = (r: DeltaDiscoveryResponse | undefined) => r?.resources.map((x) => x.name);
    server.handleRequest({ type_url: 'EDS', resource_names_subscribe: ['a'] });
    expect(names(sent[0])).toEqual(['a']);
    server.handleRequest({ type_url: 'EDS', response_nonce: sent[0]!.nonce, resource_names_subscribe: ['b'] });
    expect(names(sent[1])).toEqual(['b']);
    // Envoy re-subscribes to "a" while warming a changed cluster "a": it gets "a" again.
    server.handleRequest({ type_url: 'EDS', response_nonce: sent[1]!.nonce, resource_names_subscribe: ['a'] });
    expect(names(sent[2])).toEqual(['a']);
    // Dropped names are no longer sent (and not reported removed); a plain ACK gets nothing.
    server.handleRequest({ type_url: 'EDS', response_nonce: sent[2]!.nonce, resource_names_unsubscribe: ['b'] });
    server.handleRequest({ type_url: 'EDS', response_nonce: sent[2]!.nonce });
    expect(sent).toHaveLength(3);
    server.setSnapshot(snapshotOf({ EDS: [res('a', '2'), res('b', '2'), res('c', '2')] }));
    expect(names(sent[3])).toEqual(['a']);
    expect(sent[3]!.removed_resources).toEqual([]);
  });

  it("follows a cluster it sends with that cluster's endpoints, unchanged or not (Envoy waits for them to warm it)", () => {
    const sent: DeltaDiscoveryResponse[] = [];
    const server = new DeltaServerSession({ maxMessageBytes: 1 << 20, logger: silentLogger(), send: (r) => sent.push(r), resendWith: { CDS: 'EDS' } });
    server.setSnapshot(snapshotOf({ CDS: [res('a', '1'), res('b', '1')], EDS: [res('a', '1'), res('b', '1')] }));
    server.handleRequest({ type_url: 'CDS' });
    server.handleRequest({ type_url: 'EDS', resource_names_subscribe: ['a', 'b'] });
    sent.length = 0;
    // Cluster "a" changes, its endpoints do not.
    server.setSnapshot(snapshotOf({ CDS: [res('a', '2'), res('b', '1')], EDS: [res('a', '1'), res('b', '1')] }));
    expect(sent.map((r) => [r.type_url, r.resources.map((x) => x.name)])).toEqual([
      ['CDS', ['a']],
      ['EDS', ['a']],
    ]);
  });
});

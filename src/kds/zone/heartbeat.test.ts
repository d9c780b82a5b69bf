import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, type HeartbeatAnswer, type HeartbeatOptions } from './heartbeat.ts';

// The zone's heartbeat, on fake timers: calls every interval, two strikes end the session,
// and nothing is called once the session has ended, even when a late answer comes in.

type Done = (err: Error | null, answer?: HeartbeatAnswer) => void;

function setup(overrides: Partial<HeartbeatOptions> = {}) {
  const pending: Done[] = [];
  const failures: Error[] = [];
  let calls = 0;
  const hb = new Heartbeat({
    intervalMs: 500,
    call: (_deadline, done) => {
      calls++;
      pending.push(done);
    },
    connected: () => true,
    fail: (err) => failures.push(err),
    ...overrides,
  });
  return { hb, pending, failures, calls: () => calls };
}

describe('KDS heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls every interval (as global asks), and two failures in a row end the session', () => {
    const { hb, pending, failures, calls } = setup();
    hb.start();
    vi.advanceTimersByTime(500);
    expect(calls()).toBe(1);
    pending.shift()!(null, { streamsOpen: true, intervalMs: 200 });
    vi.advanceTimersByTime(200);
    expect(calls()).toBe(2);
    pending.shift()!(new Error('deadline exceeded'));
    vi.advanceTimersByTime(200);
    pending.shift()!(null, { streamsOpen: false });
    expect(failures.map((e) => e.message)).toEqual(['global does not hold our streams any more']);
    expect(calls()).toBe(3);
  });

  it('schedules nothing when an answer arrives after the session ended', () => {
    const { hb, pending, failures, calls } = setup();
    hb.start();
    vi.advanceTimersByTime(500);
    expect(calls()).toBe(1);
    hb.stop(); // the session ends (its channel is closed) while the call is in flight
    pending.shift()!(new Error('deadline exceeded'));
    vi.advanceTimersByTime(10_000);
    expect(calls()).toBe(1);
    expect(failures).toEqual([]);
  });

  it('ends the session when a call throws, instead of throwing out of a timer', () => {
    const { hb, failures } = setup({
      call: () => {
        throw new Error('Channel has been shut down');
      },
    });
    hb.start();
    expect(() => vi.advanceTimersByTime(500)).not.toThrow();
    expect(failures.map((e) => e.message)).toEqual(['Channel has been shut down']);
  });

  it('counts a failure heard long after its deadline as no strike (this process was busy), and one heard on time as a strike', () => {
    const late: Error[] = [];
    const { hb, pending, failures } = setup({ late: (e) => late.push(e) });
    hb.start();
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(500);
      // The event loop was held: the answer is heard 5 s after the call's 1 s deadline.
      vi.setSystemTime(Date.now() + 6_000);
      pending.shift()!(new Error('deadline exceeded'));
    }
    expect(failures).toEqual([]);
    expect(late).toHaveLength(3);
    // On time: two strikes end the session.
    for (let i = 0; i < 2; i++) {
      vi.advanceTimersByTime(500);
      pending.shift()!(new Error('deadline exceeded'));
    }
    expect(failures.map((e) => e.message)).toEqual(['heartbeat failed: deadline exceeded']);
  });
});

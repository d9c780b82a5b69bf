// The zone's heartbeat to global during one KDS session: a HealthCheck call every interval
// (global may change the interval in its answer). Two failures in a row — a failed call, or
// global no longer holding the session's streams — end the session. A call still in flight
// when the session ends may answer afterwards: that answer schedules nothing (a call on the
// session's closed channel would throw, out of a timer).

export interface HeartbeatAnswer {
  /** The interval global asks for, in ms. */
  intervalMs?: number;
  /** Whether global holds both of this zone's streams. */
  streamsOpen: boolean;
}

export interface HeartbeatOptions {
  intervalMs: number;
  /** One HealthCheck call; `done` is called once with its error or answer. May throw. */
  call(deadlineMs: number, done: (err: Error | null, answer?: HeartbeatAnswer) => void): void;
  /** Whether the session is in sync (streams global does not hold count only then). */
  connected(): boolean;
  /** Ends the session. */
  fail(err: Error): void;
  /** A failure heard too late to count (this process was busy). */
  late?(err: Error): void;
}

/** How late after its deadline a failed call's answer may come and still count. */
export const LATE_MS = 500;

export class Heartbeat {
  readonly #o: HeartbeatOptions;
  #interval: number;
  #strikes = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#interval = options.intervalMs;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (!this.#stopped) this.#timer = setTimeout(() => this.#beat(), this.#interval);
  }

  #beat(): void {
    if (this.#stopped) return;
    try {
      const deadline = Date.now() + Math.max(this.#interval, 1000);
      this.#o.call(deadline, (err, answer) => this.#answered(err, answer, deadline));
    } catch (err) {
      this.#o.fail(err as Error);
    }
  }

  #answered(err: Error | null, answer: HeartbeatAnswer | undefined, deadline: number): void {
    // A failure seen long after its deadline says that this process was too busy to hear the
    // answer (a large sync holds the event loop), not that global is gone: it is no strike.
    // Without it, a zone busy applying a large sync ends its session, resyncs, and never
    // finishes under load. A dead connection fails on time, and gRPC keepalive backs this up.
    if (err && Date.now() - deadline > LATE_MS) {
      this.#o.late?.(err);
    } else if (err) this.#strikes++;
    else {
      if (answer?.intervalMs !== undefined) this.#interval = Math.max(100, answer.intervalMs);
      this.#strikes = this.#o.connected() && !answer?.streamsOpen ? this.#strikes + 1 : 0;
    }
    if (this.#stopped) return;
    if (this.#strikes >= 2) return this.#o.fail(new Error(err ? `heartbeat failed: ${err.message}` : 'global does not hold our streams any more'));
    this.#schedule();
  }
}

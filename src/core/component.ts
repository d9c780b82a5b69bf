import type { Logger } from './logger.ts';

// Components are the units a control plane runs. Contract:
//  - start(signal) resolves once the component is serving (a server listens, a loop has
//    begun); long-running work continues in the background until `signal` aborts.
//  - stop() releases everything start() acquired; it is called once, after start resolved.
//  - needsLeader: runs only on the instance that holds leadership, and is stopped when
//    leadership is lost.
//  - ready(), when defined, says whether a running component can do its job now (its store
//    answers, global accepts the zone): undefined when it can, the reason otherwise. It
//    resolves within READY_CHECK_MS; /ready is 503 while any component is not ready.

export type ComponentState =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'running'; since: string }
  | { kind: 'stopping' }
  | { kind: 'stopped' }
  | { kind: 'failed'; error: string };

export interface Component {
  readonly name: string;
  readonly needsLeader: boolean;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  ready?(): Promise<string | undefined>;
}

/** How long a component's readiness check may take before it counts as not ready. */
export const READY_CHECK_MS = 1000;

/** Decides which instance runs leader-only components. */
export interface LeaderElector {
  /** Resolves when this instance is leader; `onLost` fires if leadership is lost later. */
  campaign(signal: AbortSignal, onLost: () => void): Promise<void>;
  resign(): Promise<void>;
}

/** For a single instance (memory store): always leader. */
export class AlwaysLeader implements LeaderElector {
  async campaign(): Promise<void> {}
  async resign(): Promise<void> {}
}

export class ComponentManager {
  readonly #components: Component[] = [];
  readonly #states = new Map<string, ComponentState>();
  readonly #logger: Logger;
  readonly #elector: LeaderElector;
  readonly #abort = new AbortController();
  #leader = false;

  constructor(logger: Logger, elector: LeaderElector = new AlwaysLeader()) {
    this.#logger = logger;
    this.#elector = elector;
  }

  add(...components: Component[]): this {
    for (const c of components) {
      if (this.#states.has(c.name)) throw new Error(`component ${c.name} added twice`);
      this.#components.push(c);
      this.#states.set(c.name, { kind: 'idle' });
    }
    return this;
  }

  async #startOne(c: Component): Promise<void> {
    this.#states.set(c.name, { kind: 'starting' });
    try {
      await c.start(this.#abort.signal);
      this.#states.set(c.name, { kind: 'running', since: new Date().toISOString() });
      this.#logger.debug({ component: c.name }, 'component started');
    } catch (err) {
      this.#states.set(c.name, { kind: 'failed', error: (err as Error).message });
      throw err;
    }
  }

  async #stopOne(c: Component): Promise<void> {
    const state = this.#states.get(c.name)!;
    if (state.kind !== 'running' && state.kind !== 'failed') return;
    this.#states.set(c.name, { kind: 'stopping' });
    try {
      await c.stop();
    } catch (err) {
      this.#logger.warn({ component: c.name, err }, 'component did not stop cleanly');
    }
    this.#states.set(c.name, { kind: 'stopped' });
  }

  /** Starts every component in the order added; leader-only ones once leadership is won. */
  async start(): Promise<void> {
    for (const c of this.#components.filter((x) => !x.needsLeader)) await this.#startOne(c);
    await this.#elector.campaign(this.#abort.signal, () => void this.#onLeadershipLost());
    if (this.#abort.signal.aborted) return;
    this.#leader = true;
    this.#logger.info('leader: starting leader components');
    for (const c of this.#components.filter((x) => x.needsLeader)) await this.#startOne(c);
  }

  async #onLeadershipLost(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    this.#logger.warn('leadership lost: stopping leader components');
    for (const c of this.#components.filter((x) => x.needsLeader).reverse()) await this.#stopOne(c);
  }

  /** Stops everything in reverse order. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const c of [...this.#components].reverse()) await this.#stopOne(c);
    if (this.#leader) await this.#elector.resign();
    this.#leader = false;
  }

  /** Ready = every component this instance should run is running. */
  ready(): boolean {
    return this.#components.every((c) => (c.needsLeader && !this.#leader) || this.#states.get(c.name)?.kind === 'running');
  }

  /** Ready, with the reasons of every component that is not (not running, or its own check failed). */
  async readiness(): Promise<{ ready: boolean; reasons: Record<string, string> }> {
    const reasons: Record<string, string> = {};
    await Promise.all(
      this.#components.map(async (c) => {
        if (c.needsLeader && !this.#leader) return;
        const state = this.#states.get(c.name)!;
        if (state.kind !== 'running') return void (reasons[c.name] = state.kind === 'failed' ? `failed: ${state.error}` : state.kind);
        if (!c.ready) return;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${READY_CHECK_MS} ms`), READY_CHECK_MS)));
        const reason = await Promise.race([c.ready().catch((err: unknown) => (err as Error).message), timeout]);
        clearTimeout(timer);
        if (reason !== undefined) reasons[c.name] = reason;
      }),
    );
    return { ready: Object.keys(reasons).length === 0, reasons };
  }

  states(): Record<string, ComponentState> {
    return Object.fromEntries(this.#states);
  }
}

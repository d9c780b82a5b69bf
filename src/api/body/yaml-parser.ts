import { Worker } from 'node:worker_threads';
import { MeshworkError } from '../../core/errors.ts';

// YAML bodies are parsed on a worker thread: the yaml library needs seconds for a few MB
// (about 2.5 µs per byte here), and the API, KDS and xDS share the CP's event loop. One
// worker, one document at a time; a document that takes longer than `timeoutMs` gets its
// worker terminated (the next document gets a new one) and its request a 413.

interface Job {
  id: number;
  text: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type Reply = { id: number; value?: unknown; error?: string; problem?: { field: string; reason: string }; timedOut?: boolean };

export class YamlBodyParser {
  readonly #timeoutMs: number;
  #worker: Worker | undefined;
  #current: (Job & { timer?: NodeJS.Timeout }) | undefined;
  /** Workers that have loaded the parser (they post 'ready'). */
  readonly #ready = new WeakSet<Worker>();
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: { timeoutMs: number }) {
    this.#timeoutMs = options.timeoutMs;
  }

  /** Documents queued or being parsed. */
  get pending(): number {
    return this.#queue.length + (this.#current ? 1 : 0);
  }

  parse(text: string): Promise<unknown> {
    if (this.#closed) return Promise.reject(new MeshworkError('STORE_UNAVAILABLE', 'the API server is shutting down'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, text, resolve, reject });
      this.#next();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new MeshworkError('STORE_UNAVAILABLE', 'the API server is shutting down'));
    if (this.#current) this.#finish(this.#current.id, { id: this.#current.id, error: 'the API server is shutting down' });
    await this.#worker?.terminate();
    this.#worker = undefined;
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./yaml-worker.ts', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    worker.unref();
    worker.on('message', (reply: Reply | 'ready') => {
      if (reply !== 'ready') return this.#finish(reply.id, reply);
      this.#ready.add(worker);
      worker.emit('parser-ready');
    });
    worker.on('error', (err) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (this.#current) this.#finish(this.#current.id, { id: this.#current.id, error: `the YAML parser failed: ${err.message}` });
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
    });
    return worker;
  }

  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    const current: Job & { timer?: NodeJS.Timeout } = job;
    this.#current = current;
    const worker = (this.#worker ??= this.#spawn());
    // The time limit counts parsing only, not a new worker's start-up (loading the parser).
    const arm = () => {
      if (this.#current !== current) return;
      current.timer = setTimeout(() => {
        // The worker is stuck in this document: drop it, and the document with it.
        if (this.#worker === worker) this.#worker = undefined;
        void worker.terminate();
        this.#finish(job.id, { id: job.id, timedOut: true });
      }, this.#timeoutMs);
      current.timer.unref();
    };
    if (this.#ready.has(worker)) arm();
    else worker.once('parser-ready', arm);
    worker.postMessage({ id: job.id, text: job.text });
  }

  #finish(id: number, reply: Reply): void {
    const job = this.#current;
    if (!job || job.id !== id) return;
    clearTimeout(job.timer);
    this.#current = undefined;
    if (reply.timedOut) {
      job.reject(new MeshworkError('RESOURCE_TOO_LARGE', `request body could not be parsed as YAML within ${this.#timeoutMs} ms; send a smaller document, or JSON`, { invalidParameters: [{ field: '', reason: 'YAML document too large or too complex' }] }));
    } else if (reply.problem) {
      job.reject(new MeshworkError('INVALID_RESOURCE', `request body ${reply.problem.field || 'document'} ${reply.problem.reason}`, { invalidParameters: [reply.problem] }));
    } else if (reply.error !== undefined) {
      job.reject(new MeshworkError('INVALID_RESOURCE', `request body is not valid YAML: ${reply.error}`, { invalidParameters: [{ field: '', reason: 'invalid YAML' }] }));
    } else {
      job.resolve(reply.value);
    }
    this.#next();
  }
}

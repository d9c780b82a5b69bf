// A push-to-pull bridge: producers push events, one consumer iterates them. Unbounded by
// design for a store's watch (the producer is the store itself, the consumer drains it);
// ends when the signal aborts or fail() is called.

export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: (() => void) | undefined;
  #error: unknown;
  #done = false;

  constructor(signal?: AbortSignal, onClose?: () => void) {
    const close = () => {
      this.#done = true;
      onClose?.();
      this.#wake();
    };
    if (signal?.aborted) close();
    else signal?.addEventListener('abort', close, { once: true });
  }

  push(item: T): void {
    if (this.#done) return;
    this.#items.push(item);
    this.#wake();
  }

  fail(err: unknown): void {
    if (this.#done) return;
    this.#error = err;
    this.#done = true;
    this.#wake();
  }

  get closed(): boolean {
    return this.#done;
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#head < this.#items.length) {
        const item = this.#items[this.#head++]!;
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        yield item;
        continue;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }
}

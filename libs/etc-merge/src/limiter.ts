/**
 * Bounds how many asynchronous leaf operations run at once (never held across nested work), and
 * yields to the event loop every 50 ms, since the Node port's calls are
 * synchronous and a long merge must not starve timers and signals.
 */
export class Limiter {
  private active = 0;
  private lastYield = performance.now();
  /** FIFO of waiters; `head` advances instead of shift() so a long queue stays O(1) per task. */
  private queue: (() => void)[] = [];
  private head = 0;

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // Time-based: on a loaded machine every trip through the event loop can cost a scheduler slice.
    if (performance.now() - this.lastYield > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.release();
    }
  }

  private release(): void {
    if (this.head >= this.queue.length) return;
    const next = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    next();
  }
}

import type { Clock } from '@minik8s/client';

/** A clock the test moves by hand: `sleep` returns at once, so nothing waits for real time. */
export class FakeClock implements Clock {
  constructor(public t: number) {}

  now(): number {
    return this.t;
  }

  async sleep(_ms: number, _signal?: AbortSignal): Promise<void> {}

  advance(ms: number): void {
    this.t += ms;
  }
}

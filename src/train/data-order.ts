import { deriveSeed, mulberry32, shuffle } from '../core/prng.js';

/**
 * The order training visits its triplets, as a pure function of (seed, step): every epoch is a
 * fresh seeded permutation (mulberry32 seeded with deriveSeed(seed, "epoch:<e>")), cut into
 * `stepsPerEpoch` batches; the last incomplete batch of an epoch is dropped (when there are
 * fewer triplets than one batch, an epoch is one batch of all of them). So a resumed run needs
 * only the step count to continue exactly where it stopped.
 */
export class DataOrder {
  readonly stepsPerEpoch: number;
  private cached: { epoch: number; order: number[] } | undefined;

  constructor(
    readonly seed: number,
    readonly count: number,
    readonly batchSize: number,
  ) {
    this.stepsPerEpoch = Math.max(1, Math.floor(count / batchSize));
  }

  /** The permutation of epoch `epoch` (0-based). */
  epochOrder(epoch: number): number[] {
    if (this.cached?.epoch !== epoch) {
      const order = Array.from({ length: this.count }, (_, i) => i);
      shuffle(order, mulberry32(deriveSeed(this.seed, `epoch:${epoch}`)));
      this.cached = { epoch, order };
    }
    return this.cached.order;
  }

  /** 0-based epoch of step `step` (0-based). */
  epochOf(step: number): number {
    return Math.floor(step / this.stepsPerEpoch);
  }

  /** Triplet indices of step `step` (0-based). */
  batch(step: number): number[] {
    const order = this.epochOrder(this.epochOf(step));
    const i = (step % this.stepsPerEpoch) * this.batchSize;
    return order.slice(i, Math.min(order.length, i + this.batchSize));
  }
}

/**
 * Seeded randomness for generated test data (the differential tests, fuzzing):
 * the same seed gives the same data, so a failing case reproduces from it.
 */

import { random } from '../../src/demo/random.js';

/** mulberry32, the demo's and the benches' generator of numbers in [0, 1). */
export const mulberry32 = random;

/** Seeded choices. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** A whole number in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Shuffles in place (Fisher-Yates), and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

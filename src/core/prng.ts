import { ExprsimError } from './errors.js';

/**
 * A small seeded PRNG, so that triplet sampling and split assignment are reproducible from the
 * seed recorded in the dataset manifest, on any machine and Node version (Math.random cannot be
 * seeded). mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, fast, good enough statistically
 * for sampling; not for cryptography.
 */
export type Rng = () => number;

/** Throws E_BAD_OPTION unless `seed` is an integer in [0, 2^32). */
export function requireSeed(seed: unknown, name = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} must be an integer from 0 to 4294967295, got ${String(seed)}`,
      {
        input: `${name}=${String(seed)}`,
        fix: 'pass a whole number, e.g. --seed 1',
      },
    );
  }
  return seed;
}

/** mulberry32: returns floats in [0, 1), each a multiple of 2^-32. */
export function mulberry32(seed: number): Rng {
  let state = requireSeed(seed) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n), from one draw. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * A seed for one purpose derived from a base seed (FNV-1a over "<seed>:<purpose>"), so that
 * e.g. the train and test samplers draw independent streams and adding a split does not shift
 * the others.
 */
export function deriveSeed(seed: number, purpose: string): number {
  let h = 0x811c9dc5;
  const text = `${requireSeed(seed)}:${purpose}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

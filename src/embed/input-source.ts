import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { readImage } from '../image/read.js';
import { resizeImage } from '../image/transform.js';
import { RESIZE_KERNELS, type ResizeKernel, type TensorScale } from '../image/types.js';
import type { JsonObject, Shape3 } from '../core/types.js';
import { deriveSeed } from '../core/prng.js';
import { wholeImagePreprocess } from '../features/preprocess.js';
import type {
  InputSpec,
  PixelInputSpec,
  RandomInputSpec,
  TripletInputSource,
} from './input-types.js';

export type {
  FeatureInputSpec,
  InputSpec,
  PixelInputSpec,
  RandomInputSpec,
  TripletInputSource,
} from './input-types.js';

/** Each scale as the preprocessing record's `(v − mean) / divisor`. */
const NORMALISE: Record<TensorScale, { mean: number; divisor: number }> = {
  '0-1': { mean: 0, divisor: 255 },
  '0-255': { mean: 0, divisor: 1 },
  '-1-1': { mean: 127.5, divisor: 127.5 },
};

/** The pixel scale of a preprocessing record's normalisation, if it is one of ours. */
export function scaleOfNormalise(n: { mean: number[]; divisor: number }): TensorScale | undefined {
  for (const [scale, v] of Object.entries(NORMALISE)) {
    if (n.divisor === v.divisor && n.mean.every((m) => m === v.mean)) return scale as TensorScale;
  }
  return undefined;
}

const SCALE: Record<TensorScale, (v: number) => number> = {
  '0-1': (v) => v / 255,
  '0-255': (v) => v,
  '-1-1': (v) => v / 127.5 - 1,
};

function requireResizeKernel(k: ResizeKernel): ResizeKernel {
  if (!RESIZE_KERNELS.includes(k)) {
    throw new ExprsimError('E_BAD_OPTION', `unknown resize kernel ${String(k)}`, {
      input: String(k),
      fix: `use one of ${RESIZE_KERNELS.join(', ')}`,
    });
  }
  return k;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const run = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/**
 * Pixel inputs with an in-memory cache of the decoded, resized 8-bit faces: FER2013's 35,887
 * 48x48 grey faces take 83 MB, so every image is decoded once per process.
 */
export class PixelInputSource implements TripletInputSource {
  readonly spec: PixelInputSpec;
  readonly inputShape: Shape3;
  readonly backbone = 'pixels' as const;
  private readonly cache = new Map<string, Uint8Array>();
  private readonly scale: (v: number) => number;
  private readonly keep: boolean;

  constructor(spec: PixelInputSpec) {
    const [h, w, c] = spec.shape;
    if (c !== 1 && c !== 3) {
      throw new ExprsimError('E_BAD_OPTION', `pixel inputs have 1 or 3 channels, got ${c}`, {
        input: `${h}x${w}x${c}`,
        fix: 'use HxWx1 (grey) or HxWx3 (RGB)',
      });
    }
    this.spec = {
      kind: 'pixels',
      shape: [h, w, c],
      scale: spec.scale ?? '0-1',
      // Only when asked for, so config.json files of earlier runs stay as they were.
      ...(spec.resize !== undefined ? { resize: requireResizeKernel(spec.resize) } : {}),
    };
    this.keep = spec.cache ?? true;
    this.inputShape = [h, w, c];
    this.scale = SCALE[this.spec.scale as TensorScale];
    if (this.scale === undefined) {
      throw new ExprsimError('E_BAD_OPTION', `unknown pixel scale ${String(spec.scale)}`, {
        fix: "use '0-1', '0-255' or '-1-1'",
      });
    }
  }

  /** The exprsim preprocessing record (src/features/preprocess.ts) of these pixels. */
  get preprocess(): JsonObject {
    const [h, w, c] = this.inputShape;
    const norm = NORMALISE[this.spec.scale as TensorScale];
    const pre = wholeImagePreprocess(
      h,
      { mean: new Array<number>(c).fill(norm.mean), divisor: norm.divisor },
      { colour: c === 1 ? 'grey' : 'rgb', channels: c as 1 | 3 },
    );
    pre.size = [h, w];
    if (this.spec.resize !== undefined) pre.resize = { ...pre.resize, kernel: this.spec.resize };
    return JSON.parse(JSON.stringify(pre)) as JsonObject;
  }

  keyFor(_source: string, _key: string, path: string): string {
    return path;
  }

  /** Decoded images held. */
  get cached(): number {
    return this.cache.size;
  }

  private async decode(path: string, into: Map<string, Uint8Array>): Promise<void> {
    const [h, w, c] = this.inputShape;
    let img = await readImage(path, { channels: c as 1 | 3, failOn: 'error' });
    if (img.width !== w || img.height !== h)
      img = await resizeImage(img, w, h, { kernel: this.spec.resize });
    into.set(path, img.data);
  }

  async load(keys: readonly string[]): Promise<tf.Tensor4D> {
    const into = this.keep ? this.cache : new Map<string, Uint8Array>();
    const missing = [...new Set(keys.filter((k) => !this.cache.has(k)))];
    await mapLimit(missing, 8, (k) => this.decode(k, into));
    const [h, w, c] = this.inputShape;
    const size = h * w * c;
    const out = new Float32Array(keys.length * size);
    keys.forEach((k, i) => {
      const px = (this.cache.get(k) ?? into.get(k)) as Uint8Array;
      const o = i * size;
      for (let j = 0; j < size; j++) out[o + j] = this.scale(px[j]);
    });
    return tf.tensor4d(out, [keys.length, h, w, c]);
  }

  async loadMirrored(keys: readonly string[], mirrored: readonly boolean[]): Promise<tf.Tensor4D> {
    const x = await this.load(keys);
    return mirrorRows(x, mirrored);
  }

  dispose(): void {
    this.cache.clear();
  }
}

/** `x` [n, h, w, c] with the rows where `mirrored[i]` mirrored left to right (disposes `x`). */
export function mirrorRows(x: tf.Tensor4D, mirrored: readonly boolean[]): tf.Tensor4D {
  const n = x.shape[0];
  if (mirrored.length !== n) {
    x.dispose();
    throw new ExprsimError('E_BAD_OPTION', `${mirrored.length} mirror flags for ${n} inputs`);
  }
  if (!mirrored.some(Boolean)) return x;
  const out = tf.tidy(() => {
    const flipped = tf.reverse(x, 2);
    if (mirrored.every(Boolean)) return flipped as tf.Tensor4D;
    const mask = tf.tensor4d(
      mirrored.map((m) => (m ? 1 : 0)),
      [n, 1, 1, 1],
      'bool',
    );
    return tf.where(tf.broadcastTo(mask, x.shape), flipped, x) as tf.Tensor4D;
  });
  x.dispose();
  return out;
}

/** See {@link RandomInputSpec}. */
export class RandomInputSource implements TripletInputSource {
  readonly spec: RandomInputSpec;
  readonly inputShape: Shape3;
  readonly backbone = { name: 'random', version: '1' };
  readonly preprocess: JsonObject = { kind: 'random' };
  private readonly cache = new Map<string, Float32Array>();

  constructor(spec: RandomInputSpec) {
    this.spec = { kind: 'random', shape: [...spec.shape], seed: spec.seed ?? 1 };
    this.inputShape = [...spec.shape];
  }

  keyFor(source: string, key: string): string {
    return `${source}:${key}`;
  }

  async load(keys: readonly string[]): Promise<tf.Tensor4D> {
    const seed = this.spec.seed ?? 1;
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(keys.length * size);
    keys.forEach((k, i) => {
      let v = this.cache.get(k);
      if (v === undefined) {
        const t = tf.randomNormal(
          this.inputShape,
          0,
          1,
          'float32',
          deriveSeed(seed, k) % 2147483647,
        );
        v = t.dataSync() as Float32Array;
        t.dispose();
        this.cache.set(k, v);
      }
      out.set(v, i * size);
    });
    return tf.tensor4d(out, [keys.length, ...this.inputShape]);
  }

  dispose(): void {
    this.cache.clear();
  }
}

/**
 * Opens the source an {@link InputSpec} describes. Feature caches come from src/features; see
 * feature-source.ts.
 */
export async function openInputSource(spec: InputSpec): Promise<TripletInputSource> {
  switch (spec.kind) {
    case 'pixels':
      return new PixelInputSource(spec);
    case 'random':
      return new RandomInputSource(spec);
    case 'features': {
      const { openFeatureInputSource } = await import('./feature-source.js');
      return openFeatureInputSource(spec);
    }
    default:
      throw new ExprsimError(
        'E_BAD_OPTION',
        `unknown input kind ${JSON.stringify((spec as { kind: unknown }).kind)}`,
        { fix: "use 'pixels', 'features' or 'random'" },
      );
  }
}

/**
 * Resampling in plain JavaScript, written to give the pixels sharp gives (libvips' vips_resize
 * as sharp calls it: no shrink-on-load for raw pixels, gap 2): the browser build resizes with
 * it (./resize.browser.ts), so that a page prepares faces as Node does. Reductions follow
 * libvips' scheme: an integer box shrink (rounded up, the last pixels repeated) down to within
 * 2x of the target, then a separable reduce, vertical first, with the kernel widened by the
 * residual factor, its taps in 1/64-pixel steps and 12-bit fixed-point weights, rounded to
 * 8 bits after each pass. Enlargement is an interpolating resample (bilinear for 'linear',
 * Catmull-Rom otherwise, as vips_resize picks). src/image/resample.test.ts checks it against
 * sharp ('nearest' is only close: a few pixels differ; no preprocessing record uses it).
 */
import type { RawImage, ResizeKernel } from './types.js';

const TRANSFORM_SCALE = 64;
const INTERPOLATE_SHIFT = 12;
const INTERPOLATE_SCALE = 1 << INTERPOLATE_SHIFT;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function cubic(x: number, B: number, C: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return ((12 - 9 * B - 6 * C) * ax3 + (-18 + 12 * B + 6 * C) * ax2 + (6 - 2 * B)) / 6;
  if (ax <= 2) {
    return (
      ((-B - 6 * C) * ax3 + (6 * B + 30 * C) * ax2 + (-12 * B - 48 * C) * ax + (8 * B + 24 * C)) / 6
    );
  }
  return 0;
}

const FILTERS: Record<
  Exclude<ResizeKernel, 'nearest'>,
  { reach: number; f: (x: number) => number }
> = {
  linear: { reach: 1, f: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  cubic: { reach: 2, f: (x) => cubic(x, 0, 0.5) },
  mitchell: { reach: 2, f: (x) => cubic(x, 1 / 3, 1 / 3) },
  lanczos2: { reach: 2, f: (x) => (x >= -2 && x <= 2 ? sinc(x) * sinc(x / 2) : 0) },
  lanczos3: { reach: 3, f: (x) => (x >= -3 && x <= 3 ? sinc(x) * sinc(x / 3) : 0) },
  mks2013: {
    reach: 3,
    f: (v) => {
      const x = Math.abs(v);
      if (x >= 2.5) return 0;
      if (x >= 1.5) return ((x - 2.5) * (x - 2.5)) / -8;
      if (x >= 0.5) return (4 * x * x - 11 * x + 7) / 4;
      return 17 / 16 - (7 * x * x) / 4;
    },
  },
  mks2021: {
    reach: 5,
    f: (v) => {
      const x = Math.abs(v);
      if (x >= 4.5) return 0;
      if (x >= 3.5) return (4 * x * x - 36 * x + 81) / -1152;
      if (x >= 2.5) return (4 * x * x - 27 * x + 45) / 144;
      if (x >= 1.5) return (24 * x * x - 113 * x + 130) / -144;
      if (x >= 0.5) return (140 * x * x - 379 * x + 239) / 144;
      return 577 / 576 - (239 * x * x) / 144;
    },
  },
};

/** A plane of 8-bit samples: `size` pixels along the axis being resampled, `other` across it. */
interface Plane {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const at = (p: Plane, x: number, y: number, c: number) =>
  p.data[(y * p.width + x) * p.channels + c];

/** Integer box shrink along x (or y), the output rounded up and the edge pixel repeated. */
function shrink(p: Plane, by: number, horizontal: boolean): Plane {
  const w = horizontal ? Math.ceil(p.width / by) : p.width;
  const h = horizontal ? p.height : Math.ceil(p.height / by);
  const c = p.channels;
  const out = new Uint8Array(w * h * c);
  const amend = Math.floor(by / 2);
  const multiplier = Math.floor(2 ** 32 / (256 * by));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        let sum = amend;
        for (let i = 0; i < by; i++) {
          sum += horizontal
            ? at(p, Math.min(p.width - 1, x * by + i), y, k)
            : at(p, x, Math.min(p.height - 1, y * by + i), k);
        }
        out[(y * w + x) * c + k] = Math.floor((sum * multiplier) / 2 ** 24);
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

/** C's rint: to the nearest, halves to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Every `ih`-th column and `iv`-th row (vips_subsample), the output rounded down. */
function subsample(p: Plane, ih: number, iv: number): Plane {
  const w = Math.floor(p.width / ih);
  const h = Math.floor(p.height / iv);
  const c = p.channels;
  const out = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = at(p, x * ih, y * iv, k);
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

function points(kernel: ResizeKernel, factor: number): number {
  if (kernel === 'nearest') return 1;
  return 2 * rint(FILTERS[kernel].reach * factor) + 1;
}

/** libvips' reduce masks: `n` taps for each of the 65 sub-pixel phases, 12-bit fixed point. */
function masks(kernel: ResizeKernel, n: number, factor: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let t = 0; t <= TRANSFORM_SCALE; t++) {
    const m = new Int32Array(n);
    if (kernel === 'nearest') {
      m[0] = INTERPOLATE_SCALE;
    } else {
      const f = FILTERS[kernel].f;
      const x = Math.fround(t / TRANSFORM_SCALE);
      const half = x + n / 2 - 1;
      const c = new Float64Array(n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        c[i] = f((i - half) / factor);
        sum += c[i];
      }
      for (let i = 0; i < n; i++) m[i] = Math.trunc((c[i] / sum) * INTERPOLATE_SCALE);
    }
    out.push(m);
  }
  return out;
}

/** Reduce along one axis by `factor` (≥ 1) to `size` pixels, as vips_reduceh / vips_reducev. */
function reduce(p: Plane, factor: number, kernel: ResizeKernel, horizontal: boolean): Plane {
  const inSize = horizontal ? p.width : p.height;
  const size = Math.max(1, Math.round(inSize / factor));
  let extra = size * factor - inSize;
  let residual = factor;
  let src = p;
  if (kernel !== 'nearest') {
    const int = Math.max(1, Math.floor(inSize / size / 2));
    if (int > 1) {
      src = shrink(p, int, horizontal);
      residual /= int;
      extra /= int;
    }
  }
  if (residual === 1) return src;
  const n = points(kernel, residual);
  const offset = (1 + extra) / 2 - 1;
  const table = masks(kernel, n, residual);
  const pad = Math.ceil(n / 2) - 1;
  const w = horizontal ? size : src.width;
  const h = horizontal ? src.height : size;
  const c = src.channels;
  const out = new Uint8Array(w * h * c);
  const srcSize = horizontal ? src.width : src.height;
  const lines = horizontal ? src.height : src.width;
  const half = INTERPOLATE_SCALE >> 1;
  for (let o = 0; o < size; o++) {
    const X = (o + 0.5) * residual - 0.5 - offset;
    const ix = Math.trunc(X);
    const sx = Math.trunc(X * TRANSFORM_SCALE * 2);
    const tx = ((sx & (TRANSFORM_SCALE * 2 - 1)) + 1) >> 1;
    const m = table[tx];
    for (let line = 0; line < lines; line++) {
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const s = Math.min(srcSize - 1, Math.max(0, ix + i - pad));
          sum += m[i] * (horizontal ? at(src, s, line, k) : at(src, line, s, k));
        }
        const v = (sum + half) >> INTERPOLATE_SHIFT;
        const idx = horizontal ? (line * w + o) * c + k : (o * w + line) * c + k;
        out[idx] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

/** libvips' Catmull-Rom table: four 12-bit weights for each of the 65 sub-pixel phases. */
const BICUBIC: Int32Array[] = Array.from({ length: TRANSFORM_SCALE + 1 }, (_, t) => {
  const x = Math.fround(t / TRANSFORM_SCALE);
  const cr1 = 1 - x;
  const cr2 = -0.5 * x;
  const cr3 = cr1 * cr2;
  const c0 = cr1 * cr3;
  const c3 = x * cr3;
  const cr4 = c3 - c0;
  return Int32Array.from([c0, cr1 - c0 + cr4, x - c3 - cr4, c3], (c) =>
    Math.trunc(c * INTERPOLATE_SCALE),
  );
});

const fixedRound = (v: number) => (v + (INTERPOLATE_SCALE >> 1)) >> INTERPOLATE_SHIFT;

/**
 * Enlarge by `hscale` x `vscale` (each ≥ 1) to `w` x `h`, as vips_affine with the interpolator
 * vips_resize picks (bilinear for 'linear', nearest for 'nearest', else bicubic): output pixel
 * centres map to input centres, edges repeat, weights in 12-bit fixed point.
 */
function enlarge(
  p: Plane,
  hscale: number,
  vscale: number,
  w: number,
  h: number,
  kernel: ResizeKernel,
): Plane {
  const c = p.channels;
  const out = new Uint8Array(w * h * c);
  const nearest = kernel === 'nearest';
  // Measured on sharp 0.35 (libvips 8.18): output pixel o samples the input at o / scale - 0.5,
  // on both axes, also the one not enlarged (scale 1: half a pixel up or left).
  const idx = nearest ? 0 : 0.5;
  const idy = nearest ? 0 : 0.5;
  const ia = 1 / hscale;
  const id = 1 / vscale;
  // Coordinates as libvips holds them: the input embedded with a border, so always positive.
  const border = nearest ? 1 : kernel === 'linear' ? 1 : 2;
  const px = (x: number, y: number, k: number) =>
    p.data[
      (Math.min(p.height - 1, Math.max(0, y)) * p.width + Math.min(p.width - 1, Math.max(0, x))) *
        c +
        k
    ];
  for (let oy = 0; oy < h; oy++) {
    const Y = oy * id - idy + border;
    const iy = Math.trunc(Y);
    const ty = ((Math.trunc(Y * TRANSFORM_SCALE * 2) & (TRANSFORM_SCALE * 2 - 1)) + 1) >> 1;
    for (let ox = 0; ox < w; ox++) {
      const X = ox * ia - idx + border;
      const ix = Math.trunc(X);
      const q = (oy * w + ox) * c;
      const x0 = ix - border;
      const y0 = iy - border;
      if (nearest) {
        for (let k = 0; k < c; k++) out[q + k] = px(x0, y0, k);
      } else if (kernel === 'linear') {
        const fx = Math.trunc((X - ix) * INTERPOLATE_SCALE);
        const fy = Math.trunc((Y - iy) * INTERPOLATE_SCALE);
        const yd = INTERPOLATE_SCALE - fy;
        const c4 = (fy * fx) >> INTERPOLATE_SHIFT;
        const c2 = (yd * fx) >> INTERPOLATE_SHIFT;
        const c3 = fy - c4;
        const c1 = yd - c2;
        for (let k = 0; k < c; k++) {
          out[q + k] = fixedRound(
            c1 * px(x0, y0, k) +
              c2 * px(x0 + 1, y0, k) +
              c3 * px(x0, y0 + 1, k) +
              c4 * px(x0 + 1, y0 + 1, k),
          );
        }
      } else {
        const tx = ((Math.trunc(X * TRANSFORM_SCALE * 2) & (TRANSFORM_SCALE * 2 - 1)) + 1) >> 1;
        const cx = BICUBIC[tx];
        const cy = BICUBIC[ty];
        for (let k = 0; k < c; k++) {
          let v = 0;
          for (let j = 0; j < 4; j++) {
            const yy = y0 - 1 + j;
            const r = fixedRound(
              cx[0] * px(x0 - 1, yy, k) +
                cx[1] * px(x0, yy, k) +
                cx[2] * px(x0 + 1, yy, k) +
                cx[3] * px(x0 + 2, yy, k),
            );
            v += cy[j] * r;
          }
          v = fixedRound(v);
          out[q + k] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
  return { data: out, width: w, height: h, channels: c };
}

/**
 * Resize `img` by the factors sharp derives for `width` x `height` ('fill': each axis to its
 * size; 'cover': the larger factor on both, then the centre cut out; 'contain': the smaller,
 * then centred on black), as vips_resize does it: reduce vertically, then horizontally, then
 * enlarge.
 */
export function resamplePixels(
  img: RawImage,
  width: number,
  height: number,
  kernel: ResizeKernel,
  fit: 'fill' | 'cover' | 'contain',
): Uint8Array {
  let hshrink = img.width / width;
  let vshrink = img.height / height;
  if (fit === 'cover') hshrink = vshrink = Math.min(hshrink, vshrink);
  if (fit === 'contain') hshrink = vshrink = Math.max(hshrink, vshrink);
  hshrink = Math.min(hshrink, img.width);
  vshrink = Math.min(vshrink, img.height);
  let p: Plane = { data: img.data, width: img.width, height: img.height, channels: img.channels };
  let hscale = 1 / hshrink;
  let vscale = 1 / vshrink;
  if (kernel === 'nearest') {
    // vips_resize subsamples by the integer part first (every n-th pixel, gap 2).
    const ih = Math.max(1, Math.floor(p.width / Math.round(p.width * hscale) / 2));
    const iv = Math.max(1, Math.floor(p.height / Math.round(p.height * vscale) / 2));
    if (ih > 1 || iv > 1) {
      p = subsample(p, ih, iv);
      hscale *= ih;
      vscale *= iv;
    }
  }
  hscale = Math.max(hscale, 1 / p.width);
  vscale = Math.max(vscale, 1 / p.height);
  if (vscale < 1) p = reduce(p, 1 / vscale, kernel, false);
  if (hscale < 1) p = reduce(p, 1 / hscale, kernel, true);
  const tw = Math.round(img.width * hscale);
  const th = Math.round(img.height * vscale);
  if (hscale > 1 || vscale > 1) {
    p = enlarge(
      p,
      Math.max(1, hscale),
      Math.max(1, vscale),
      hscale > 1 ? tw : p.width,
      vscale > 1 ? th : p.height,
      kernel,
    );
  }
  if (p.width === width && p.height === height) return p.data;
  // cover: cut the centre; contain: centre on black (sharp's gravity centre positions).
  const c = p.channels;
  const out = new Uint8Array(width * height * c);
  const left =
    fit === 'cover' ? Math.trunc((p.width - width + 1) / 2) : -Math.trunc((width - p.width) / 2);
  const top =
    fit === 'cover'
      ? Math.trunc((p.height - height + 1) / 2)
      : -Math.trunc((height - p.height) / 2);
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= p.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= p.width) continue;
      for (let k = 0; k < c; k++)
        out[(y * width + x) * c + k] = p.data[(sy * p.width + sx) * c + k];
    }
  }
  return out;
}

import * as tf from '@tensorflow/tfjs';
import {
  channelsFormat,
  composite,
  cropNegative,
  spreadOnGrid,
  type Backend,
} from './composite.js';

/**
 * Conv2DBackpropInput for the wasm backend. tfjs-wasm 4.22 has one, but it is a naive C++ loop
 * (~10x slower than the forward conv); this one is built from XNNPACK conv2d and plain matMul.
 *
 * Forward (NHWC): y[n,i,j,o] = Σ_{a,b,c} xp[n, i·sh + a, j·sw + b, c] · W[a,b,c,o], xp = x padded
 * by (top, left). Hence, per spatial axis (the two axes are independent; written for rows),
 *   dx[p] = Σ_{i,a : i·s + a − top = p} dy[i] · W[a]ᵀ          (Wᵀ: in/out channels swapped)
 * the "transposed convolution" of dy.
 *
 * - 1x1 filter, no top/left padding: dx at the sampled positions p = i·s is DY · Wᵀ
 *   ([N·oh·ow, Cout] · [Cout, Cin], explicit transpose then a plain matMul: wasm's transposed
 *   matMul is a slow loop), zeros elsewhere (stride > 1), then cropped or zero-extended to H.
 * - stride 1: a = p + top − i, so dx[p] = Σ_t dyp[p + t] · Wr[t] with Wr[t] = W[kh−1−t]ᵀ (W
 *   rotated 180°, channels swapped) and dyp = dy padded by kh − 1 − top above and so much below
 *   that exactly H rows come out: one stride-1 XNNPACK conv2d. The padding is passed to conv2d
 *   as explicit padding (no padded copy); negative amounts (explicit forward padding larger than
 *   the filter) are crops.
 * - stride s > 1, by phases (sub-pixel decomposition) rather than by inserting s − 1 zeros
 *   between the rows of dy, which would make the conv s² times the useful work (2x slower
 *   measured end to end for 3x3 stride 2): write p + top = q·s + ρ, 0 ≤ ρ < s. Only taps
 *   a = ρ + m·s reach phase ρ, with i = q − m, so
 *     dx[q·s + ρ − top] = Σ_m dy[q − m] · W[ρ + m·s]ᵀ,
 *   a stride-1 correlation of dy with the reversed sub-filter W[ρ::s]ᵀ, padded by (taps − 1)
 *   above. Each of the sh·sw phases is one conv2d over q ∈ [0, ceil((H + top)/s)); the phases
 *   are interleaved with two stacks (block copies) and a reshape, and the rows before `top` or
 *   after H cropped. A phase with no taps (filter smaller than the stride) is zeros.
 */
export function conv2DBackpropInputConfig(
  setupFunc?: tf.KernelConfig['setupFunc'],
): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as tf.Conv2DBackpropInputInputs;
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
        attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (dy === undefined || filter === undefined)
        throw new Error('Conv2DBackpropInput: missing dy or filter');
      const format = channelsFormat(dataFormat);
      const info = tf.backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        format,
      );
      return composite(backend as Backend, [dy, filter], (dyt, wt) => {
        let dy4 = dyt as tf.Tensor4D;
        if (format === 'channelsFirst') dy4 = tf.transpose(dy4, [0, 2, 3, 1]);
        const dx = inputGradNHWC(dy4, wt as tf.Tensor4D, info);
        return format === 'channelsFirst' ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
      });
    },
  };
}

/** dx (NHWC) for an NHWC conv described by `info` (computeConv2DInfo of the forward pass). */
export function inputGradNHWC(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const {
    inHeight: h,
    inWidth: wd,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    padInfo,
  } = info;
  const [n, oh, ow, cout] = dy.shape;
  const cin = w.shape[2];

  if (kh === 1 && kw === 1 && padInfo.top === 0 && padInfo.left === 0) {
    const wT = tf.transpose(tf.reshape(w, [cin, cout])); // [Cout, Cin]
    const sampled = tf.reshape(tf.matMul(tf.reshape(dy, [n * oh * ow, cout]), wT), [
      n,
      oh,
      ow,
      cin,
    ]) as tf.Tensor4D;
    const spread = spreadOnGrid(sampled, sh, sw); // [N, oh·sh, ow·sw, Cin]
    return fitSpatial(spread, h, wd);
  }

  if (sh > 1 || sw > 1) return inputGradByPhases(dy, w, info);

  const wr = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Cout, Cin]
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  // Output rows = oh + top + bottom − kh + 1 must equal h.
  const { x, pads } = cropNegative(dy, [
    [top, h + kh - 1 - oh - top],
    [left, wd + kw - 1 - ow - left],
  ]);
  return tf.conv2d(x, wr, 1, pads);
}

/** Stride > 1: one stride-1 conv per phase (ρh, ρw), interleaved. See the comment at the top. */
function inputGradByPhases(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const {
    inHeight: h,
    inWidth: wd,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    padInfo,
  } = info;
  const [n, oh, ow] = dy.shape;
  const cin = w.shape[2];
  const qh = Math.ceil((h + padInfo.top) / sh);
  const qw = Math.ceil((wd + padInfo.left) / sw);
  const wT = tf.transpose(w, [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Cout, Cin]
  // Taps of phase ρ, in reversed order (the correlation runs over m from high to low).
  const taps = (k: number, s: number, rho: number) => {
    const idx: number[] = [];
    for (let a = rho; a < k; a += s) idx.push(a);
    return idx.reverse();
  };
  const rows: tf.Tensor[] = [];
  for (let rh = 0; rh < sh; rh++) {
    const th = taps(kh, sh, rh);
    const cols: tf.Tensor[] = [];
    for (let rw = 0; rw < sw; rw++) {
      const tw = taps(kw, sw, rw);
      if (th.length === 0 || tw.length === 0) {
        cols.push(tf.zeros([n, qh, qw, cin]));
        continue;
      }
      // Sub-filter: whole rows/columns of a small tensor, so gather (block copies) is cheap.
      const f = tf.gather(tf.gather(wT, th, 0), tw, 1) as tf.Tensor4D;
      const { x, pads } = cropNegative(dy, [
        [th.length - 1, qh - oh],
        [tw.length - 1, qw - ow],
      ]);
      cols.push(tf.conv2d(x, f, 1, pads)); // [N, qh, qw, Cin]
    }
    rows.push(sw === 1 ? cols[0] : tf.stack(cols, 3)); // [N, qh, qw, sw, Cin]
  }
  const interleaved = sh === 1 ? rows[0] : tf.stack(rows, 2); // [N, qh, sh, qw, sw, Cin]
  const full = tf.reshape(interleaved, [n, qh * sh, qw * sw, cin]) as tf.Tensor4D; // rows p + top
  if (padInfo.top === 0 && padInfo.left === 0 && qh * sh === h && qw * sw === wd) return full;
  return tf.slice(full, [0, padInfo.top, padInfo.left, 0], [n, h, wd, cin]);
}

/** Crop or zero-extend the bottom/right of an NHWC tensor to h × w. */
function fitSpatial(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, xh, xw, c] = x.shape;
  if (xh === h && xw === w) return x;
  let y =
    xh > h || xw > w ? tf.slice(x, [0, 0, 0, 0], [n, Math.min(h, xh), Math.min(w, xw), c]) : x;
  if (xh < h || xw < w) {
    y = tf.pad(y, [
      [0, 0],
      [0, h - y.shape[1]],
      [0, w - y.shape[2]],
      [0, 0],
    ]);
  }
  return y;
}

import * as tf from '@tensorflow/tfjs';
import { channelsFormat, composite, cropNegative, spreadOnGrid, type Backend } from './composite.js';

/**
 * Conv2DBackpropInput for the wasm backend. tfjs-wasm 4.22 has one, but it is a naive C++ loop
 * (~10x slower than the forward conv); this one is built from XNNPACK conv2d and plain matMul.
 *
 * Forward (NHWC): y[n,i,j,o] = Σ_{a,b,c} xp[n, i·sh + a, j·sw + b, c] · W[a,b,c,o], xp = x padded
 * by (top, left). Hence dx[n,p,q,c] = Σ dy[n,i,j,o] · W[a,b,c,o] over i·sh + a − top = p and
 * j·sw + b − left = q: the "transposed convolution" of dy.
 *
 * - 1x1 filter, no top/left padding: dx at the sampled positions is DY · Wᵀ ([N·oh·ow, Cout] ·
 *   [Cout, Cin], explicit transpose then a plain matMul), zeros elsewhere (stride > 1), then
 *   cropped or zero-extended to the input size.
 * - otherwise: spread dy on the stride grid (insert s − 1 zeros between samples; nothing to do
 *   for stride 1) and correlate it, stride 1, with W rotated by 180° and its in/out channels
 *   swapped, Wr[a,b,o,c] = W[kh−1−a, kw−1−b, c, o], padded by kh − 1 − top above and so much
 *   below that exactly H rows come out (same for columns). Substituting a' = kh − 1 − a shows
 *   this is the sum above. The padding goes to conv2d as explicit padding (no padded copy);
 *   negative amounts (explicit forward padding larger than the filter) are crops.
 *   For stride s the spread input makes the conv s² times the useful work; fine for the one or
 *   two strided convs of a net, and still far faster than the naive kernel (see bench/kernels.ts).
 */
export function conv2DBackpropInputConfig(setupFunc?: tf.KernelConfig['setupFunc']): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as tf.Conv2DBackpropInputInputs;
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput: missing dy or filter');
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
export function inputGradNHWC(dy: tf.Tensor4D, w: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { inHeight: h, inWidth: wd, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const [n, oh, ow, cout] = dy.shape;
  const cin = w.shape[2];

  if (kh === 1 && kw === 1 && padInfo.top === 0 && padInfo.left === 0) {
    const wT = tf.transpose(tf.reshape(w, [cin, cout])); // [Cout, Cin]
    const sampled = tf.reshape(tf.matMul(tf.reshape(dy, [n * oh * ow, cout]), wT), [n, oh, ow, cin]) as tf.Tensor4D;
    const spread = spreadOnGrid(sampled, sh, sw); // [N, oh·sh, ow·sw, Cin]
    return fitSpatial(spread, h, wd);
  }

  const wr = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Cout, Cin]
  const spread = spreadOnGrid(dy, sh, sw); // [N, oh·sh, ow·sw, Cout]
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  // Output rows = rows + top + bottom − kh + 1 must equal h.
  const bottom = h + kh - 1 - spread.shape[1] - top;
  const right = wd + kw - 1 - spread.shape[2] - left;
  const { x, pads } = cropNegative(spread, [
    [top, bottom],
    [left, right],
  ]);
  return tf.conv2d(x, wr, 1, pads);
}

/** Crop or zero-extend the bottom/right of an NHWC tensor to h × w. */
function fitSpatial(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, xh, xw, c] = x.shape;
  if (xh === h && xw === w) return x;
  let y = xh > h || xw > w ? tf.slice(x, [0, 0, 0, 0], [n, Math.min(h, xh), Math.min(w, xw), c]) : x;
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

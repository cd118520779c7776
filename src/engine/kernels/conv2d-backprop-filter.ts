import * as tf from '@tensorflow/tfjs';
import { channelsFormat, composite, cropNegative, type Backend } from './composite.js';

/**
 * Conv2DBackpropFilter for the wasm backend, which has none in tfjs 4.22 (so gradients of conv2d
 * throw there). Built from XNNPACK conv2d, plain matMul and transpose.
 *
 * Forward (NHWC, padded input xp): y[n,i,j,o] = Σ_{a,b,c} xp[n, i·sh + a, j·sw + b, c] · W[a,b,c,o]
 * so           dW[a,b,c,o] = Σ_{n,i,j} xp[n, i·sh + a, j·sw + b, c] · dy[n,i,j,o].
 *
 * - 1x1 filter, no top/left padding: dW[0,0] = Xsᵀ · DY with Xs = x subsampled by the stride
 *   (x[:, ::sh, ::sw], a 1x1 max pool) and flattened to [N·oh·ow, Cin], DY = dy as
 *   [N·oh·ow, Cout]. The transpose is explicit because wasm's BatchMatMul with transposeA runs
 *   a naive loop (~25x slower than transpose + matMul).
 * - otherwise: the sum above is a convolution in which Cin plays the batch and N the channels:
 *   input xpᵀ = [Cin, Hp, Wp, N], filter dyᵀ = [oh, ow, N, Cout] with dilation (sh, sw) (the
 *   filter taps i·sh, j·sw), stride 1, no padding beyond the forward's → [Cin, kh, kw, Cout],
 *   then transposed to [kh, kw, Cin, Cout]. XNNPACK's conv2d supports dilation (verified against
 *   the cpu backend in the tests), and the forward padding is passed to it as explicit padding,
 *   so no padded copy is made. Rows the forward never read (the tail of a 'valid' conv whose
 *   stride does not divide the input) are cropped instead.
 */
export function conv2DBackpropFilterConfig(
  setupFunc?: tf.KernelConfig['setupFunc'],
): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as tf.Conv2DBackpropFilterInputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
        attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (x === undefined || dy === undefined)
        throw new Error('Conv2DBackpropFilter: missing x or dy');
      const format = channelsFormat(dataFormat);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        format,
      );
      return composite(backend as Backend, [x, dy], (xt, dyt) => {
        let x4 = xt as tf.Tensor4D;
        let dy4 = dyt as tf.Tensor4D;
        if (format === 'channelsFirst') {
          x4 = tf.transpose(x4, [0, 2, 3, 1]);
          dy4 = tf.transpose(dy4, [0, 2, 3, 1]);
        }
        return filterGradNHWC(x4, dy4, info);
      });
    },
  };
}

/** dW for an NHWC conv described by `info` (computeConv2DInfo of the forward pass). */
export function filterGradNHWC(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const [n, h, w, cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  // Input rows/columns the forward pass reads: (o - 1)·s + k, starting `top`/`left` above x.
  const needH = (oh - 1) * sh + kh;
  const needW = (ow - 1) * sw + kw;

  if (kh === 1 && kw === 1 && padInfo.top === 0 && padInfo.left === 0 && needH <= h && needW <= w) {
    // Subsample by the stride with a 1x1 max pool (XNNPACK; exact: the max of one element is the
    // element). tf.stridedSlice would be the obvious op, but wasm runs this one through a
    // per-element loop, ~50x slower.
    let xs = sh > 1 || sw > 1 ? tf.maxPool(x, [1, 1], [sh, sw], 'valid') : x;
    if (xs.shape[1] !== oh || xs.shape[2] !== ow) xs = tf.slice(xs, [0, 0, 0, 0], [n, oh, ow, cin]);
    const m = n * oh * ow;
    const xT = tf.transpose(tf.reshape(xs, [m, cin])); // [Cin, M]
    return tf.reshape(tf.matMul(xT, tf.reshape(dy, [m, cout])), [1, 1, cin, cout]);
  }

  // Crop what the forward never read (negative margins), pad the rest through conv2d.
  const { x: xc, pads } = cropNegative(x, [
    [padInfo.top, needH - h - padInfo.top],
    [padInfo.left, needW - w - padInfo.left],
  ]);
  const xT = tf.transpose(xc, [3, 1, 2, 0]); // [Cin, H, W, N]: Cin is the batch, N the channels
  const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, Cout]: the "filter"
  const r = tf.conv2d(xT, dyT, 1, pads, 'NHWC', [sh, sw]); // [Cin, kh, kw, Cout]
  return tf.transpose(r, [1, 2, 0, 3]);
}

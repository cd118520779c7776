import * as tf from '@tensorflow/tfjs';
import { composite, type Backend } from './composite.js';

/**
 * DepthwiseConv2dNativeBackpropFilter and …BackpropInput for the wasm backend, which has
 * neither in tfjs 4.22 (so depthwise and separable convs cannot be trained there). Needed to
 * fine-tune face-api's separable-conv blocks (src/models/heads/faceapi-dense3.ts).
 *
 * Forward (NHWC, channel multiplier m, xp = x zero-padded by (top, left)):
 *   y[n,i,j,c·m+q] = Σ_{a,b} xp[n, i·sh + a·dh, j·sw + b·dw, c] · W[a,b,c,q]
 * so
 *   dW[a,b,c,q] = Σ_{n,i,j} xp[n, i·sh + a·dh, j·sw + b·dw, c] · dy[n,i,j,c·m+q]
 *   dx[n,p,r,c] = Σ_{i,j,a,b,q : i·sh + a·dh − top = p, j·sw + b·dw − left = r} dy[n,i,j,c·m+q] · W[a,b,c,q]
 *
 * Plain loops over the float32 data with the channel axis innermost (contiguous in NHWC). The
 * work is N·oh·ow·C·m·kh·kw multiply-adds — for a 3x3 depthwise conv a ninth of the pointwise
 * conv that follows it in a separable block — so it stays a small share of a training step
 * (measured in bench/kernels.ts).
 */

interface DepthwiseInfo {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

function depthwiseInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs | tf.DepthwiseConv2dNativeBackpropInputAttrs,
): DepthwiseInfo {
  const { strides, pad, dimRoundingMode, dilations } = attrs;
  // As tfjs-core's depthwiseConv2d gradient: dilated depthwise convs have no gradient.
  if (!isOne(dilations)) {
    throw new Error('depthwise conv gradients: dilation rates greater than 1 are not supported');
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    m: filterShape[3],
    kh: info.filterHeight,
    kw: info.filterWidth,
    oh: info.outHeight,
    ow: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** dW as a flat [kh, kw, C, m] array (see the file comment). */
export function depthwiseFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  d: DepthwiseInfo,
): Float32Array {
  const { n, h, w, c, m, kh, kw, oh, ow, sh, sw, dh, dw, top, left } = d;
  const cm = c * m;
  const out = new Float32Array(kh * kw * cm);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let ka = 0; ka < kh; ka++) {
        const p = i * sh + ka * dh - top;
        if (p < 0 || p >= h) continue;
        for (let j = 0; j < ow; j++) {
          const dyBase = ((b * oh + i) * ow + j) * cm;
          for (let kb = 0; kb < kw; kb++) {
            const r = j * sw + kb * dw - left;
            if (r < 0 || r >= w) continue;
            const xBase = ((b * h + p) * w + r) * c;
            const wBase = (ka * kw + kb) * cm;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) out[wBase + ch] += x[xBase + ch] * dy[dyBase + ch];
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xv = x[xBase + ch];
                for (let q = 0; q < m; q++) out[wBase + ch * m + q] += xv * dy[dyBase + ch * m + q];
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** dx as a flat [N, H, W, C] array (see the file comment). */
export function depthwiseInputGrad(
  dy: Float32Array,
  filter: Float32Array,
  d: DepthwiseInfo,
): Float32Array {
  const { n, h, w, c, m, kh, kw, oh, ow, sh, sw, dh, dw, top, left } = d;
  const cm = c * m;
  const out = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let ka = 0; ka < kh; ka++) {
        const p = i * sh + ka * dh - top;
        if (p < 0 || p >= h) continue;
        for (let j = 0; j < ow; j++) {
          const dyBase = ((b * oh + i) * ow + j) * cm;
          for (let kb = 0; kb < kw; kb++) {
            const r = j * sw + kb * dw - left;
            if (r < 0 || r >= w) continue;
            const xBase = ((b * h + p) * w + r) * c;
            const wBase = (ka * kw + kb) * cm;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++)
                out[xBase + ch] += dy[dyBase + ch] * filter[wBase + ch];
            } else {
              for (let ch = 0; ch < c; ch++) {
                let s = 0;
                for (let q = 0; q < m; q++)
                  s += dy[dyBase + ch * m + q] * filter[wBase + ch * m + q];
                out[xBase + ch] += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

function isOne(d: number | [number, number] | undefined): boolean {
  return d === undefined || (typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1);
}

function float32(t: tf.Tensor): Float32Array {
  return t.dtype === 'float32' ? (t.dataSync() as Float32Array) : Float32Array.from(t.dataSync());
}

export function depthwiseBackpropFilterConfig(): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as tf.DepthwiseConv2dNativeBackpropFilterInputs;
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      if (x === undefined || dy === undefined)
        throw new Error('DepthwiseConv2dNativeBackpropFilter: missing x or dy');
      const d = depthwiseInfo(x.shape as [number, number, number, number], a.filterShape, a);
      return composite(backend as Backend, [x, dy], (xt, dyt) =>
        tf.tensor4d(depthwiseFilterGrad(float32(xt), float32(dyt), d), a.filterShape),
      );
    },
  };
}

export function depthwiseBackpropInputConfig(): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as tf.DepthwiseConv2dNativeBackpropInputInputs;
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      if (dy === undefined || filter === undefined)
        throw new Error('DepthwiseConv2dNativeBackpropInput: missing dy or filter');
      const d = depthwiseInfo(a.inputShape, filter.shape as [number, number, number, number], a);
      return composite(backend as Backend, [dy, filter], (dyt, ft) =>
        tf.tensor4d(depthwiseInputGrad(float32(dyt), float32(ft), d), a.inputShape),
      );
    },
  };
}

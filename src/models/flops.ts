import type * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';

/**
 * FLOPs of one example through a tf.LayersModel, counted as 2 × multiply-adds of its convs and
 * dense layers at the model's input shape (the convention of most papers' tables). Biases,
 * batch norm, activations, pooling, concatenation and elementwise products are not counted (they
 * are a few percent at most here). Counted layers: Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Conv2DTranspose, Dense (applied at every position of a higher-rank input);
 * nested models are counted through. Shapes come from the layers' inferred output shapes, so
 * the model needs a fixed input shape.
 */
export interface LayerFlops {
  name: string;
  className: string;
  /** Multiply-adds for one example. */
  macs: number;
  /** 2 × macs. */
  flops: number;
}

export interface FlopCount {
  /** Total FLOPs for one example. */
  flops: number;
  macs: number;
  /** Layers that count, in model order. */
  layers: LayerFlops[];
}

const prod = (xs: readonly (number | null)[]): number =>
  xs.reduce<number>((a, b) => a * (b ?? NaN), 1);

function singleShape(shape: tf.Shape | tf.Shape[], layer: tf.layers.Layer, what: string): tf.Shape {
  const s = Array.isArray(shape[0]) ? (shape as tf.Shape[]) : [shape as tf.Shape];
  if (s.length !== 1) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `layer ${layer.name} has ${s.length} ${what}s; cannot count its FLOPs`,
      { input: layer.name },
    );
  }
  const out = s[0];
  if (out.slice(1).some((d) => d === null || d < 0)) {
    throw new ExprsimError('E_BAD_OPTION', `layer ${layer.name} has an unknown ${what} size`, {
      input: layer.name,
      fix: 'build the model with a fixed input shape',
    });
  }
  return out;
}

function kernelShape(layer: tf.layers.Layer, index = 0): number[] {
  const w = layer.weights[index];
  if (w === undefined) {
    throw new ExprsimError('E_BAD_OPTION', `layer ${layer.name} has no kernel (is it built?)`, {
      input: layer.name,
    });
  }
  return w.shape as number[];
}

function layerMacs(layer: tf.layers.Layer): number | undefined {
  const cls = layer.getClassName();
  const out = () => singleShape(layer.outputShape, layer, 'output');
  switch (cls) {
    case 'Conv1D':
    case 'Conv2D': {
      // kernel [kh, (kw,) cin, cout]: every output position does prod(kernel) multiply-adds.
      const o = out();
      return prod(o.slice(1, -1)) * prod(kernelShape(layer));
    }
    case 'DepthwiseConv2D': {
      // depthwise kernel [kh, kw, cin, multiplier]
      const o = out();
      return prod(o.slice(1, -1)) * prod(kernelShape(layer));
    }
    case 'SeparableConv2D': {
      // depthwise [kh, kw, cin, m] at every output position, then pointwise [1, 1, cin·m, cout]
      const o = out();
      return prod(o.slice(1, -1)) * (prod(kernelShape(layer, 0)) + prod(kernelShape(layer, 1)));
    }
    case 'Conv2DTranspose': {
      // every input position scatters kernel [kh, kw, cout, cin]
      const inp = layer.getInputAt(0);
      const i = singleShape(
        Array.isArray(inp) ? inp.map((t) => t.shape) : inp.shape,
        layer,
        'input',
      );
      return prod(i.slice(1, -1)) * prod(kernelShape(layer));
    }
    case 'Dense': {
      const o = out();
      return prod(o.slice(1, -1)) * prod(kernelShape(layer));
    }
    default:
      return undefined;
  }
}

function isModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return Array.isArray((layer as Partial<tf.LayersModel>).layers);
}

/** Count the FLOPs of one example through `model`. */
export function countFlops(model: tf.LayersModel): FlopCount {
  const layers: LayerFlops[] = [];
  const visit = (m: tf.LayersModel) => {
    for (const layer of m.layers) {
      if (isModel(layer)) {
        visit(layer);
        continue;
      }
      const macs = layerMacs(layer);
      if (macs !== undefined) {
        layers.push({ name: layer.name, className: layer.getClassName(), macs, flops: 2 * macs });
      }
    }
  };
  visit(model);
  const macs = layers.reduce((a, l) => a + l.macs, 0);
  return { flops: 2 * macs, macs, layers };
}

/** Parameter counts: all weights, and the trainable ones (BN moving statistics are not). */
export function countParams(model: tf.LayersModel): { total: number; trainable: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + prod(w.shape), 0);
  return { total: size(model.weights), trainable: size(model.trainableWeights) };
}

import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../../core/errors.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from './depthwise-backprop.js';
import { tileConfig } from './tile.js';
import { identityConfig } from './identity.js';
import { splitVConfig } from './split.js';
import { meanConfig, sumConfig } from './reduce.js';

/**
 * Kernels that make tfjs-backend-wasm 4.22 able to train convolutional nets at XNNPACK speed:
 * Conv2DBackpropFilter and the depthwise conv gradients (missing in wasm), and faster Conv2DBackpropInput, Tile and transposed
 * BatchMatMul (naive loops in wasm), Sum/Mean over leading axes (a transpose, then a loop) a copy-free Identity and SplitV as block copies. Each is a composition of ops wasm runs fast; see the files.
 */

const BACKEND = 'wasm';

interface Replacement {
  name: string;
  /** Whether the replacement delegates to tfjs-wasm's own kernel, which must then exist. */
  needsOriginal: boolean;
  make(original: tf.KernelConfig | undefined): tf.KernelConfig;
}

const REPLACEMENTS: Replacement[] = [
  {
    name: tf.Conv2DBackpropFilter,
    needsOriginal: false,
    make: (o) => conv2DBackpropFilterConfig(o?.setupFunc),
  },
  {
    name: tf.Conv2DBackpropInput,
    needsOriginal: false,
    // Keep the original's setupFunc: if the wasm backend is initialised after we register, the
    // engine runs the setupFuncs of the kernels registered then, i.e. ours, and the original's
    // wasm function must still be bound in case it is restored later.
    make: (o) => conv2DBackpropInputConfig(o?.setupFunc),
  },
  {
    name: tf.DepthwiseConv2dNativeBackpropFilter,
    needsOriginal: false,
    make: () => depthwiseBackpropFilterConfig(),
  },
  {
    name: tf.DepthwiseConv2dNativeBackpropInput,
    needsOriginal: false,
    make: () => depthwiseBackpropInputConfig(),
  },
  { name: tf.Sum, needsOriginal: true, make: (o) => sumConfig(o as tf.KernelConfig) },
  { name: tf.Mean, needsOriginal: true, make: (o) => meanConfig(o as tf.KernelConfig) },
  { name: tf.Tile, needsOriginal: true, make: (o) => tileConfig(o as tf.KernelConfig) },
  {
    name: tf.BatchMatMul,
    needsOriginal: true,
    make: (o) => batchMatMulConfig(o as tf.KernelConfig),
  },
  { name: tf.Identity, needsOriginal: true, make: (o) => identityConfig(o as tf.KernelConfig) },
  { name: tf.SplitV, needsOriginal: true, make: (o) => splitVConfig(o as tf.KernelConfig) },
];

/** What we registered, and what it replaced (undefined: nothing was registered under the name). */
const installed = new Map<
  string,
  { config: tf.KernelConfig; original: tf.KernelConfig | undefined }
>();

/**
 * Register the training kernels for the wasm backend, replacing tfjs-wasm's own (kept, and put
 * back by unregisterWasmTrainingKernels). Idempotent. Returns the kernel names now provided.
 * '@tensorflow/tfjs-backend-wasm' must have been imported first: importing it registers its
 * kernels, and would overwrite ours if it came later.
 */
export function registerWasmTrainingKernels(): string[] {
  if (tf.getKernel(tf.Conv2D, BACKEND) === undefined) {
    throw new ExprsimError(
      'E_BACKEND_UNAVAILABLE',
      'the wasm backend is not loaded, so its training kernels cannot be registered',
      {
        fix: "import '@tensorflow/tfjs-backend-wasm' before registering the wasm training kernels",
      },
    );
  }
  for (const r of REPLACEMENTS) {
    const current = tf.getKernel(r.name, BACKEND);
    const mine = installed.get(r.name);
    if (mine !== undefined && current === mine.config) continue;
    if (r.needsOriginal && current === undefined) {
      throw new ExprsimError(
        'E_BACKEND_UNAVAILABLE',
        `the wasm backend has no ${r.name} kernel to build on`,
        {
          fix: 'use @tensorflow/tfjs-backend-wasm 4.22',
        },
      );
    }
    if (current !== undefined) tf.unregisterKernel(r.name, BACKEND);
    const config = r.make(current);
    tf.registerKernel(config);
    installed.set(r.name, { config, original: current });
  }
  return REPLACEMENTS.map((r) => r.name);
}

/** Put tfjs-wasm's own kernels back (and remove Conv2DBackpropFilter, which it lacks). */
export function unregisterWasmTrainingKernels(): void {
  for (const [name, { config, original }] of installed) {
    // Only touch the registry entry if it is still ours (someone may have replaced it since).
    if (tf.getKernel(name, BACKEND) !== config) continue;
    tf.unregisterKernel(name, BACKEND);
    if (original !== undefined) tf.registerKernel(original);
  }
  installed.clear();
}

export {
  planTile,
  planConcatTile,
  tileStrategy,
  MAX_BROADCAST_RANK,
  type TilePass,
  type TileStrategy,
} from './tile.js';

import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import type { ImageToTensorOptions, RawImage, TensorScale, TensorToImageOptions } from './types.js';
import { assertRawImage, requireOneOf } from './validate.js';

const SCALES: readonly TensorScale[] = ['0-1', '0-255', '-1-1'];
const DTYPES: readonly ('int32' | 'float32')[] = ['int32', 'float32'];

/**
 * The image as a [height, width, channels] tensor. Defaults: float32 in 0..1. Value mapping for a
 * sample v in 0..255: '0-1' -> v / 255, '0-255' -> v, '-1-1' -> v / 127.5 - 1. int32 tensors hold
 * v unchanged and accept only scale '0-255'. The scaling is done while filling the typed array, so
 * exactly one tensor is created: the returned one, which the caller disposes.
 */
export function imageToTensor(img: RawImage, options: ImageToTensorOptions = {}): tf.Tensor3D {
  assertRawImage(img);
  const dtype = requireOneOf('dtype', options.dtype ?? 'float32', DTYPES);
  const scale = requireOneOf(
    'scale',
    options.scale ?? (dtype === 'int32' ? '0-255' : '0-1'),
    SCALES,
  );
  const shape: [number, number, number] = [img.height, img.width, img.channels];
  const src = img.data;
  if (dtype === 'int32') {
    if (scale !== '0-255') {
      throw new ExprsimError('E_BAD_OPTION', `an int32 tensor cannot hold scale '${scale}'`, {
        input: `scale=${scale}`,
        fix: "use dtype: 'float32' for scales '0-1' and '-1-1', or scale: '0-255' with int32",
      });
    }
    return tf.tensor3d(Int32Array.from(src), shape, 'int32');
  }
  const values = new Float32Array(src.length);
  if (scale === '0-255') {
    values.set(src);
  } else if (scale === '0-1') {
    for (let i = 0; i < src.length; i++) values[i] = src[i] / 255;
  } else {
    for (let i = 0; i < src.length; i++) values[i] = src[i] / 127.5 - 1;
  }
  return tf.tensor3d(values, shape, 'float32');
}

/**
 * Several images of one size as a [batch, height, width, channels] tensor, with the same options
 * as {@link imageToTensor}. The per-image tensors are freed (tf.tidy); only the batch remains.
 */
export function imagesToBatch(
  imgs: readonly RawImage[],
  options: ImageToTensorOptions = {},
): tf.Tensor4D {
  if (!Array.isArray(imgs) || imgs.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', 'imagesToBatch needs at least one image', {
      fix: 'pass a non-empty array of images',
    });
  }
  const [first] = imgs;
  imgs.forEach((img, i) => {
    assertRawImage(img, `images[${i}]`);
    if (
      img.width !== first.width ||
      img.height !== first.height ||
      img.channels !== first.channels
    ) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `images[${i}] is ${img.width}x${img.height}x${img.channels} but images[0] is ${first.width}x${first.height}x${first.channels}`,
        { fix: 'resize every image to one size (resizeImage) before batching' },
      );
    }
  });
  return tf.tidy(() => tf.stack(imgs.map((img) => imageToTensor(img, options))) as tf.Tensor4D);
}

/**
 * Pixels from a [height, width, channels] tensor (channels 1 or 3), read synchronously. Values are
 * mapped from `scale` (default '0-1' for float32, '0-255' for int32, matching imageToTensor's
 * defaults) to 0..255, clipped, and rounded to the nearest integer; NaN becomes 0. The tensor is
 * not disposed.
 */
export function tensorToImage(t: tf.Tensor3D, options: TensorToImageOptions = {}): RawImage {
  if (!(t instanceof tf.Tensor) || t.rank !== 3) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `tensorToImage needs a rank-3 [height, width, channels] tensor, got ${t instanceof tf.Tensor ? `shape [${t.shape.join(', ')}]` : typeof t}`,
      { fix: 'squeeze a batch dimension first, e.g. t.squeeze([0])' },
    );
  }
  if (t.isDisposed) {
    throw new ExprsimError('E_BAD_OPTION', 'the tensor has been disposed', {
      fix: 'convert it before disposing it',
    });
  }
  const [height, width, channels] = t.shape;
  if (channels !== 1 && channels !== 3) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `tensor has ${channels} channels; an image needs 1 or 3`,
      {
        input: `shape=[${t.shape.join(', ')}]`,
        fix: 'slice the tensor to 1 (grey) or 3 (RGB) channels',
      },
    );
  }
  if (height < 1 || width < 1) {
    throw new ExprsimError('E_BAD_OPTION', `tensor has an empty ${width}x${height} image shape`, {
      input: `shape=[${t.shape.join(', ')}]`,
    });
  }
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `tensor dtype ${t.dtype} cannot be an image; need float32 or int32`,
      {
        fix: "cast it first, e.g. t.toFloat() or t.cast('int32')",
      },
    );
  }
  const scale = requireOneOf(
    'scale',
    options.scale ?? (t.dtype === 'int32' ? '0-255' : '0-1'),
    SCALES,
  );
  const values = t.dataSync() as Float32Array | Int32Array;
  const data = new Uint8Array(values.length);
  const mul = scale === '0-1' ? 255 : scale === '-1-1' ? 127.5 : 1;
  const add = scale === '-1-1' ? 1 : 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] + add) * mul);
    // NaN fails both comparisons and ends up 0 through the Uint8Array store.
    data[i] = v > 255 ? 255 : v < 0 ? 0 : v;
  }
  return { data, width, height, channels };
}

// The preprocessing defaults and choices, without sharp or TensorFlow.js: the resolver
// (./preprocess.ts) fills them in and the CLI's help shows them.
import type { AlignMode, MaskMode, NoFaceMode, ResizeFit } from './record.js';
import type { ResizeKernel } from '../image/types.js';

export { ALIGN_MODES, MASK_MODES, NO_FACE_MODES, RESIZE_FITS, RESIZE_KERNELS } from './record.js';

/** What `resolvePreprocessConfig` fills in for a field the config (and its base) leaves out. */
export const DEFAULT_PREPROCESS = Object.freeze({
  /** The detector records name when the config names none (the study's). */
  detector: 'mtcnn',
  /** Context around a detected box, as a fraction of its size (as FEC's crops). */
  margin: 0.2,
  /** Square the grown box around its centre. */
  square: true,
  /** Black frame around the image before detecting, as a fraction of its shorter side. */
  pad: 0,
  noFace: 'skip' as NoFaceMode,
  align: 'none' as AlignMode,
  mask: 'none' as MaskMode,
  /** Output side in pixels. */
  size: 224,
  channels: 3 as const,
  resize: Object.freeze({ kernel: 'lanczos3' as ResizeKernel, fit: 'fill' as ResizeFit }),
});

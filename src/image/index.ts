/**
 * Image I/O and conversion: decode JPEG/PNG/WebP into 8-bit pixels (sharp), encode and write them
 * back, resize and crop, and convert to and from TensorFlow.js tensors.
 */
export type {
  Channels,
  CropBox,
  DecodedImage,
  EncodeOptions,
  FailOn,
  ImageFormat,
  ImageToTensorOptions,
  RawImage,
  ReadImageOptions,
  ResizeKernel,
  ResizeOptions,
  TensorScale,
  TensorToImageOptions,
} from './types.js';
export {
  ACCEPTED_FORMATS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  type ImageLimits,
} from './types.js';
export { FAIL_ON_LEVELS, IMAGE_LIMIT_OPTION_SPECS } from './defaults.js';
export { BUFFER_SOURCE, readImage } from './read.js';
export { DEFAULT_QUALITY, encodeImage, writeImage } from './encode.js';
export { cropImage, mirrorImage, padImage, resizeImage } from './transform.js';
export { convertChannels } from './channels.js';
export { formatFromExtension, sniffImageFormat } from './format.js';
export { imageToTensor, imagesToBatch, tensorToImage } from './tensor.js';
export {
  collectImageFiles,
  listFolder,
  walkImageFiles,
  type ImageFileWalk,
  type WalkImageFilesOptions,
} from './walk-files.js';

/** The encoded formats this library reads and writes. Everything else sharp can read is refused. */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

export const ACCEPTED_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp'];

export type { Channels, RawImage } from '../core/types.js';
import type { Channels, RawImage } from '../core/types.js';

/** Pixels read from an encoded image, with where they came from. */
export interface DecodedImage extends RawImage {
  /** The format the bytes were in (from their magic bytes, confirmed by the decoder). */
  format: ImageFormat;
  /** The path that was read, or '<buffer>' for in-memory input. */
  source: string;
}

/** Sensitivity to damaged pixel data, least to most strict (sharp's `failOn`; 'none' is not offered). */
export type FailOn = 'truncated' | 'error' | 'warning';

/** 50 megapixels: more than any camera photo in common use, far less than a decompression bomb. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** 50 MiB of encoded bytes. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export interface ReadImageOptions {
  /** 1 = grey (BT.601 luma: 0.299 R + 0.587 G + 0.114 B), 3 = RGB. Default 3. */
  channels?: Channels;
  /**
   * Refuse images whose header declares more than this many pixels (width * height), checked
   * before any pixel data is decoded. Default {@link DEFAULT_MAX_PIXELS} (50 000 000).
   * `Infinity` removes the limit.
   */
  maxPixels?: number;
  /**
   * Refuse inputs of more than this many encoded bytes (for a file, checked from its size before
   * reading it). Default {@link DEFAULT_MAX_BYTES} (50 MiB). `Infinity` removes the limit.
   */
  maxBytes?: number;
  /** Rotate/flip according to the EXIF Orientation tag, as viewers show the image. Default true. */
  autoOrient?: boolean;
  /**
   * How damaged pixel data may be before decoding fails. Default 'warning' (strictest, sharp's
   * own default and its advice for untrusted input): it catches truncated files and corrupt JPEG
   * entropy data. 'error' and 'truncated' accept files that decoders only warn about (e.g. JPEGs
   * with extraneous bytes before a marker); 'truncated' still rejects a cut-off file.
   */
  failOn?: FailOn;
}

/** The limits a command that reads users' photos passes on to readImage (`maxPixels`, `failOn`). */
export type ImageLimits = Pick<ReadImageOptions, 'maxPixels' | 'failOn'>;

export interface EncodeOptions {
  /** JPEG and WebP quality, an integer 1..100. Default 90. Ignored for PNG (always lossless). */
  quality?: number;
}

/** Resampling kernels offered by sharp. */
export type ResizeKernel =
  'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3' | 'mks2013' | 'mks2021';

export interface ResizeOptions {
  /** Default 'lanczos3' (sharp's default; crisp, alias-free downscaling). */
  kernel?: ResizeKernel;
  /**
   * 'fill' (default): stretch to exactly width x height, ignoring the aspect ratio.
   * 'cover': keep the aspect ratio, crop the overflow around the centre.
   * 'contain': keep the aspect ratio, pad with black.
   * The output is always exactly width x height.
   */
  fit?: 'fill' | 'cover' | 'contain';
}

/** A pixel box; fractional edges are widened outwards to whole pixels. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** How 8-bit samples map to tensor values. */
export type TensorScale = '0-1' | '0-255' | '-1-1';

export interface ImageToTensorOptions {
  /** Default 'float32'. 'int32' holds the raw 0..255 samples and only allows scale '0-255'. */
  dtype?: 'int32' | 'float32';
  /** Default '0-1' for float32, '0-255' for int32. */
  scale?: TensorScale;
}

export interface TensorToImageOptions {
  /** The scale the tensor's values are in. Default '0-1' for float32 tensors, '0-255' for int32. */
  scale?: TensorScale;
}

/** sharp's resampling kernels, the values `resize.kernel` may take. */
export const RESIZE_KERNELS: readonly ResizeKernel[] = [
  'nearest',
  'linear',
  'cubic',
  'mitchell',
  'lanczos2',
  'lanczos3',
  'mks2013',
  'mks2021',
];

/** sharp's fits, the values `resize.fit` may take. */
export const RESIZE_FITS: readonly NonNullable<ResizeOptions['fit']>[] = [
  'fill',
  'cover',
  'contain',
];

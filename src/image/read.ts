import { open } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ExprsimError } from '../core/errors.js';
import { rgbToGrey } from './channels.js';
import { ACCEPTED_FORMATS_OR, formatName, requireAcceptedFormat } from './format.js';
import { fsError, sharpMessage } from './io-errors.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type FailOn,
  type ImageFormat,
  type ReadImageOptions,
} from './types.js';
import { FAIL_ON_LEVELS } from './defaults.js';
import { asBuffer, asUint8Array, requireChannels, requireLimit, requireOneOf } from './validate.js';

/** The label used in errors and `DecodedImage.source` for in-memory input. */
export const BUFFER_SOURCE = '<buffer>';

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function tooManyBytes(input: string, size: number, maxBytes: number): ExprsimError {
  return new ExprsimError(
    'E_IMAGE_TOO_LARGE',
    `${formatBytes(size)} is over the limit of ${formatBytes(maxBytes)}${maxBytes >= 1024 ? ` (${maxBytes} bytes)` : ''} for an encoded image`,
    { input, fix: `pass { maxBytes: ${size} } or more to readImage to accept it` },
  );
}

function emptyInput(input: string): ExprsimError {
  return new ExprsimError(
    'E_NOT_AN_IMAGE',
    input === BUFFER_SOURCE ? 'the buffer is empty (0 bytes)' : 'the file is empty (0 bytes)',
    {
      input,
      fix: `pass a non-empty ${ACCEPTED_FORMATS_OR} image; an empty file is often a failed download or copy`,
    },
  );
}

/** Reads a whole file, refusing directories, empty files and files over `maxBytes`. */
async function readFileLimited(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fsError(e, path, 'read');
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) {
      throw new ExprsimError('E_IO', 'is a directory, not an image file', {
        input: path,
        fix: 'pass the path of an image file inside it',
      });
    }
    if (st.isFile()) {
      if (st.size === 0) throw emptyInput(path);
      if (st.size > maxBytes) throw tooManyBytes(path, st.size, maxBytes);
    }
    const bytes = await handle.readFile();
    if (bytes.length === 0) throw emptyInput(path);
    if (bytes.length > maxBytes) throw tooManyBytes(path, bytes.length, maxBytes);
    return bytes;
  } catch (e) {
    if (e instanceof ExprsimError) throw e;
    throw fsError(e, path, 'read');
  } finally {
    await handle.close();
  }
}

/**
 * Reads and decodes a JPEG, PNG or WebP image (a path, or the encoded bytes) into 8-bit pixels.
 *
 * - Output is RGB (`channels: 3`, default) or grey (`channels: 1`, BT.601 luma).
 * - Alpha is flattened onto black (a transparent pixel becomes black, a half-transparent one
 *   half as bright), so the colour hidden under transparent pixels never leaks in.
 * - 16-bit PNGs are reduced to 8 bits; CMYK JPEGs and embedded ICC profiles are converted to sRGB.
 * - EXIF orientation is applied by default, so width/height are as a viewer shows them.
 * - Animated WebP: only the first frame is decoded.
 * - The header's width x height is checked against `maxPixels` before any pixel data is decoded,
 *   and sharp's `limitInputPixels` enforces the same limit again while decoding.
 *
 * Errors (all {@link ExprsimError}, `input` naming the file or '<buffer>'): E_FILE_NOT_FOUND,
 * E_IO (directory, permissions), E_NOT_AN_IMAGE (empty, unrecognised bytes, or an image format
 * other than JPEG/PNG/WebP such as GIF, SVG, TIFF), E_IMAGE_TOO_LARGE (over maxBytes or
 * maxPixels), E_IMAGE_DECODE (truncated or corrupt data), E_BAD_OPTION.
 */
export async function readImage(
  source: string | Buffer | Uint8Array,
  options: ReadImageOptions = {},
): Promise<DecodedImage> {
  const channels = requireChannels(options.channels ?? 3);
  const maxPixels = requireLimit('maxPixels', options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const maxBytes = requireLimit('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
  const failOn = requireOneOf('failOn', options.failOn ?? 'warning', FAIL_ON_LEVELS);
  const autoOrient = options.autoOrient ?? true;
  if (typeof autoOrient !== 'boolean') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `autoOrient must be true or false, got ${String(autoOrient)}`,
      {
        input: `autoOrient=${String(autoOrient)}`,
        fix: 'pass autoOrient: true or autoOrient: false',
      },
    );
  }

  let input: string;
  let bytes: Buffer;
  if (typeof source === 'string') {
    if (source === '') {
      throw new ExprsimError('E_BAD_OPTION', 'the image path is empty', {
        fix: 'pass the path of an image file',
      });
    }
    input = source;
    bytes = await readFileLimited(source, maxBytes);
  } else if (source instanceof Uint8Array) {
    input = BUFFER_SOURCE;
    if (source.length === 0) throw emptyInput(input);
    if (source.length > maxBytes) throw tooManyBytes(input, source.length, maxBytes);
    bytes = asBuffer(source);
  } else {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'readImage takes a file path, a Buffer or a Uint8Array',
      {
        fix: 'pass a path string or the encoded bytes',
      },
    );
  }

  const format = requireAcceptedFormat(bytes, input);
  return decode(bytes, input, format, { channels, maxPixels, failOn, autoOrient });
}

interface DecodeSettings {
  channels: 1 | 3;
  maxPixels: number;
  failOn: FailOn;
  autoOrient: boolean;
}

function decodeError(
  input: string,
  format: ImageFormat,
  e: unknown,
  stage: 'header' | 'pixels',
): ExprsimError {
  const what = stage === 'header' ? 'cannot read its header' : 'cannot decode its pixels';
  return new ExprsimError(
    'E_IMAGE_DECODE',
    `${formatName(format)} data is truncated or corrupt, ${what}: ${sharpMessage(e)}`,
    {
      input,
      fix:
        're-download or re-export the file to get an intact copy; if it looks right in a viewer, ' +
        'retry with `failOn` truncated to accept minor damage',
      option: 'failOn',
      cause: e,
    },
  );
}

async function decode(
  bytes: Buffer,
  input: string,
  format: ImageFormat,
  s: DecodeSettings,
): Promise<DecodedImage> {
  // Header only: sharp's metadata() reads dimensions without decoding pixel data. The pixel limit
  // is lifted here so that we, not sharp, report an oversized image, with its dimensions.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: s.failOn, limitInputPixels: false }).metadata();
  } catch (e) {
    throw decodeError(input, format, e, 'header');
  }
  if (meta.format !== format) {
    throw new ExprsimError(
      'E_IMAGE_DECODE',
      `starts like a ${formatName(format)} file but the decoder reads it as ${String(meta.format)}`,
      { input, fix: `re-export it as a plain ${ACCEPTED_FORMATS_OR} file` },
    );
  }
  const { width, height } = meta;
  if (!(width > 0 && height > 0)) {
    throw new ExprsimError(
      'E_IMAGE_DECODE',
      `the header declares an empty ${width}x${height} image`,
      {
        input,
        fix: 'get an intact copy of the file',
      },
    );
  }
  if (width * height > s.maxPixels) {
    throw new ExprsimError(
      'E_IMAGE_TOO_LARGE',
      `${width}x${height} is ${width * height} pixels, over the limit of ${s.maxPixels} pixels`,
      {
        input,
        fix: `downscale the image, or if it is trusted pass \`maxPixels\` ${width * height} or more`,
        option: 'maxPixels',
      },
    );
  }

  // A grey source read as grey stays in libvips' grey space (no round trip through RGB); everything
  // else is converted to 8-bit sRGB (CMYK, 16-bit, ICC profiles) and reduced to grey here if asked.
  const greySource = meta.space === 'b-w' || meta.space === 'grey16';
  const viaGrey = s.channels === 1 && greySource;
  let pipeline = sharp(bytes, {
    failOn: s.failOn,
    limitInputPixels: Number.isFinite(s.maxPixels) ? s.maxPixels : false,
    autoOrient: s.autoOrient,
  });
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: { r: 0, g: 0, b: 0 } });
  pipeline = pipeline.toColourspace(viaGrey ? 'b-w' : 'srgb').raw({ depth: 'uchar' });

  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (/pixel limit/i.test(sharpMessage(e))) {
      throw new ExprsimError(
        'E_IMAGE_TOO_LARGE',
        `over the limit of ${s.maxPixels} pixels: ${sharpMessage(e)}`,
        {
          input,
          fix: 'downscale the image, or if it is trusted pass a larger `maxPixels`',
          option: 'maxPixels',
          cause: e,
        },
      );
    }
    throw decodeError(input, format, e, 'pixels');
  }
  const { info } = out;
  const gotChannels = viaGrey ? 1 : 3;
  if (info.channels !== gotChannels || out.data.length !== info.width * info.height * gotChannels) {
    throw new ExprsimError(
      'E_IMAGE_DECODE',
      `decoded to ${info.channels} channels where ${gotChannels} were expected`,
      { input, fix: `re-export it as a plain 8-bit RGB or grey ${ACCEPTED_FORMATS_OR} file` },
    );
  }
  const pixels = info.width * info.height;
  const data = s.channels === 1 && !viaGrey ? rgbToGrey(out.data, pixels) : asUint8Array(out.data);
  return {
    data,
    width: info.width,
    height: info.height,
    channels: s.channels,
    format,
    source: input,
  };
}

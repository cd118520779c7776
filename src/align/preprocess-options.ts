/**
 * Preprocessing as flat options (what `exprsim features` takes): no `detector` means the images
 * are face crops already, so the detector-only options need one; and the rules between a
 * detector and alignment. Also the one-line description of a record for summaries.
 */
import { ExprsimError } from '../core/errors.js';
import type { ResizeKernel } from '../image/types.js';
import type { PreprocessConfig } from './preprocess.js';
import type { AlignMode, MaskMode, NoFaceMode, PreprocessRecord } from './record.js';

export interface PreprocessOptions {
  /** Crop the highest-scoring face this detector finds; default none: images are face crops. */
  detector?: string;
  /** With `detector`: context around the box, as a fraction of its size. */
  margin?: number;
  /** With `detector`: frame images in black by this fraction of their shorter side first. */
  pad?: number;
  /** With `detector`: what to do with an image where no face is found. */
  noFace?: NoFaceMode;
  /** With `detector`: align the landmarks onto a template. */
  align?: AlignMode;
  /** Black out non-face pixels (without a detector the face box is the whole image). */
  mask?: MaskMode;
  /** Resampling to the backbone's input; default the backbone's. */
  resize?: ResizeKernel;
}

/** Detectors that find boxes only: nothing to align by. */
const BOX_ONLY_DETECTORS: readonly string[] = ['viola-jones'];

/**
 * The config of flat preprocessing options, to resolve against a backbone's record with
 * `resolvePreprocessConfig`. E_BAD_OPTION for a detector-only option without `detector`, and
 * for alignment with a detector that finds no landmarks. The detector's name is checked when it
 * is created.
 */
export function toPreprocessConfig(o: PreprocessOptions): PreprocessConfig {
  const mask = o.mask !== undefined ? { mask: o.mask } : {};
  const resize = o.resize !== undefined ? { resize: { kernel: o.resize } } : {};
  if (o.detector === undefined) {
    // The first detector-only option given, for the message.
    const needs = (
      [
        ['margin', '`margin`', o.margin !== undefined],
        ['pad', '`pad`', o.pad !== undefined],
        ['noFace', '`noFace`', o.noFace !== undefined],
        ['align', `\`align\` ${o.align}`, o.align !== undefined && o.align !== 'none'],
      ] as const
    ).find(([, , given]) => given);
    if (needs !== undefined) {
      throw new ExprsimError('E_BAD_OPTION', `${needs[1]} needs \`detector\``, {
        fix: 'add `detector` mtcnn (images are whole face crops without it)',
        option: needs[0],
      });
    }
    return { crop: 'whole-image', ...mask, ...resize };
  }
  if (o.align === 'five-point' && BOX_ONLY_DETECTORS.includes(o.detector)) {
    throw new ExprsimError('E_BAD_OPTION', `${o.detector} finds no landmarks to align by`, {
      input: `align five-point, detector ${o.detector}`,
      fix: 'use `detector` mtcnn (or blazeface) for alignment',
      option: 'align',
    });
  }
  return {
    crop: 'detector',
    detector: o.detector,
    ...(o.margin !== undefined ? { margin: o.margin } : {}),
    ...(o.pad !== undefined ? { pad: o.pad } : {}),
    ...(o.noFace !== undefined ? { noFace: o.noFace } : {}),
    ...(o.align !== undefined ? { align: o.align } : {}),
    ...mask,
    ...resize,
  };
}

/** One line describing a record, e.g. "mtcnn box +0.2 square, five-point aligned, mask ellipse, 112x112 rgb". */
export function describePreprocess(p: PreprocessRecord): string {
  const crop =
    p.crop.kind === 'whole-image'
      ? 'whole images'
      : `${p.crop.detector} box +${p.crop.margin}${p.crop.square ? ' square' : ''}${p.crop.pad > 0 ? `, framed ${p.crop.pad}` : ''}, no face: ${p.crop.noFace}`;
  const align = p.align === 'none' ? '' : `, ${p.align} aligned`;
  return `${crop}${align}, mask ${p.mask}, ${p.size[0]}x${p.size[1]} ${p.colour} (${p.resize.kernel})`;
}

// `exprsim train`'s flags as the trainer's options: only the flags given, so that the trainer's
// own checks speak (what a new run needs, what a resumed one may change, every value's rule).
import type { InputSpec, TrainOptions } from '../../index.js';
import { ExprsimError, longFlag as flagOf } from '../../core/index.js';
import { parseShape3 } from '../../models/defaults.js';
import { TRAIN_OPTION_RULES } from '../../train/defaults.js';
import { optString, parseNumber, type OptionValue } from '../options.js';

export type Opts = Record<string, OptionValue>;

/** The input --features / --pixels / --random build (none given: the trainer says what it needs). */
function inputOf(o: Opts): InputSpec | undefined {
  const given = (['features', 'pixels', 'random'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 1) {
    throw new ExprsimError('E_BAD_OPTION', `pass one of ${given.map(flagOf).join(', ')}`, {
      fix: 'e.g. --pixels 48x48x1 for FER2013 faces, or --features CACHE from `exprsim features`',
    });
  }
  const [features, mirror] = [optString(o.features), optString(o.mirrorFeatures)];
  if (mirror !== undefined && features === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--mirror-features goes with --features', {
      input: `--mirror-features ${mirror}`,
      fix: 'pass the unmirrored cache as --features too (pixel inputs mirror themselves)',
    });
  }
  if (features !== undefined)
    return { kind: 'features', cache: features, ...(mirror !== undefined ? { mirror } : {}) };
  const [pixels, random] = [optString(o.pixels), optString(o.random)];
  if (pixels !== undefined) return { kind: 'pixels', shape: parseShape3(pixels, '--pixels') };
  return random === undefined
    ? undefined
    : { kind: 'random', shape: parseShape3(random, '--random') };
}

/** --head-config (JSON) with --preset in it; undefined when neither is given. */
function headConfigOf(o: Opts): Record<string, unknown> | undefined {
  const raw = optString(o.headConfig);
  let cfg: Record<string, unknown> | undefined;
  try {
    cfg = raw === undefined ? undefined : (JSON.parse(raw) as Record<string, unknown>);
  } catch {
    throw new ExprsimError('E_BAD_OPTION', '--head-config is not JSON', {
      input: `--head-config ${raw}`,
      fix: `write a JSON object, e.g. '{"growth":8,"dropout":0.1}'`,
    });
  }
  return o.preset === undefined ? cfg : { ...cfg, preset: o.preset };
}

/** The flags given, as the trainer's options (it checks them, and on resume refuses most). */
export function trainOptionsOf(o: Opts): Partial<TrainOptions> {
  const shift = parseNumber('--shift', o.shift, { int: false, max: 0.5 });
  const scale = parseNumber('--scale', o.scale, { int: false, max: 0.5 });
  const photometric = {
    brightness: parseNumber('--brightness', o.brightness, { int: false, max: 0.5 }),
    contrast: parseNumber('--contrast', o.contrast, { int: false, max: 0.5 }),
    blur: parseNumber('--blur', o.blur, { int: false, max: 1 }),
  };
  const photo = Object.fromEntries(Object.entries(photometric).filter(([, v]) => v !== undefined));
  const options: Record<string, unknown> = {
    head: optString(o.head),
    headConfig: headConfigOf(o),
    init: optString(o.init),
    valSuite: optString(o.valSuite),
    input: inputOf(o),
    triplets: optString(o.triplets),
    augment:
      o.flip === true || shift !== undefined || scale !== undefined || Object.keys(photo).length > 0
        ? {
            ...(o.flip === true ? { flip: true } : {}),
            ...(shift !== undefined ? { shift } : {}),
            ...(scale !== undefined ? { scale } : {}),
            ...photo,
          }
        : undefined,
  };
  // Every setting by its flag (--batch-size for batchSize); the trainer checks ranges and names.
  for (const [key, rule] of Object.entries(TRAIN_OPTION_RULES)) {
    if (rule.kind === 'int' || rule.kind === 'number')
      options[key] = parseNumber(flagOf(key), o[key], { int: false });
    else if (rule.kind === 'choice') options[key] = optString(o[key]);
    else if (rule.kind === 'boolean') options[key] = o[key] === true ? true : undefined;
  }
  return options as Partial<TrainOptions>;
}

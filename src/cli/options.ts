// Option parsing shared by the CLI commands. Light on purpose: it is loaded on every start, so it
// imports no TensorFlow.js (the engine is imported when a command runs).
import { Option, type Command } from 'commander';
import { ExprsimError } from '../core/index.js';
import { SPLITS, type SplitName } from '../data/defaults.js';
import { parseBackendName, type BackendName } from '../engine/defaults.js';
import type { EngineInfo } from '../engine/index.js';
import { FAIL_ON_LEVELS, type ImageLimits } from '../image/defaults.js';
import { keyedOption } from './keyed-option.js';

/** The global options every command sees (cmd.optsWithGlobals()). */
export interface GlobalOptions {
  backend?: string;
  verbose?: boolean;
  json?: boolean;
}

/** A raw option value as commander hands it over (flags without a value are booleans). */
export type OptionValue = string | boolean | undefined;

export function resolveBackend(opts: GlobalOptions): BackendName | undefined {
  return opts.backend === undefined ? undefined : parseBackendName(opts.backend, '--backend');
}

/** Loads the tensor engine (TensorFlow.js) and initialises it with the --backend the user chose. */
export async function startEngine(opts: GlobalOptions): Promise<EngineInfo> {
  const { initEngine } = await import('../engine/index.js');
  return initEngine({ backend: resolveBackend(opts) });
}

export interface NumberRule {
  /** Whole numbers only; default true. */
  int?: boolean;
  /** Default 0. */
  min?: number;
  /** Default none. */
  max?: number;
}

/**
 * Parses a numeric option (undefined when absent or a bare flag), throwing a one-line
 * E_BAD_OPTION that names the flag, the value and what is allowed.
 */
export function parseNumber(
  flag: string,
  value: OptionValue,
  rule: NumberRule = {},
): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  const { int = true, min = 0, max = Number.MAX_SAFE_INTEGER } = rule;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (int && !Number.isInteger(n)) ||
    n < min ||
    n > max
  ) {
    const what = `${int ? 'a whole number' : 'a number'} ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}`;
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${flag} must be ${what}, got ${JSON.stringify(value)}`,
      {
        input: `${flag} ${value}`,
        fix: `pass ${what}`,
      },
    );
  }
  return n;
}

/** `--max-pixels` and `--fail-on` (IMAGE_LIMIT_OPTION_SPECS) as the library's ImageLimits. */
export function imageLimits(o: { maxPixels?: OptionValue; failOn?: OptionValue }): ImageLimits {
  return {
    maxPixels: parseNumber('--max-pixels', o.maxPixels, { min: 1 }),
    failOn: parseChoice('--fail-on', o.failOn, FAIL_ON_LEVELS),
  };
}

/** The value of an option that takes a string (undefined when absent or a bare flag). */
export function optString(value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A split name option: train, val or test. */
export function parseSplit(flag: string, value: OptionValue): SplitName | undefined {
  const v = optString(value);
  if (v === undefined || (SPLITS as readonly string[]).includes(v))
    return v as SplitName | undefined;
  const got = JSON.stringify(v);
  throw new ExprsimError('E_BAD_OPTION', `${flag} must be train, val or test, got ${got}`, {
    input: `${flag} ${v}`,
  });
}

/** An option that takes one of a fixed list of names (undefined when absent). */
export function parseChoice<T extends string>(
  flag: string,
  value: OptionValue,
  allowed: readonly T[],
): T | undefined {
  const v = optString(value);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  throw new ExprsimError('E_BAD_OPTION', `${flag} must be ${allowed.join(', ')}, got ${v}`, {
    input: `${flag} ${v}`,
    fix: `pass one of ${allowed.join(', ')}`,
  });
}

export interface NumberOptionRule extends NumberRule {
  /** The value when the flag is absent (the stage's default), shown in the help. */
  default?: number;
  /** The library option key to store the value under, when the flag does not spell it. */
  key?: string;
}

/**
 * A numeric option that commander checks as it reads the flag (parseNumber's rule and message),
 * so the action gets a number under the library's option key and hands it on as it is.
 */
export function numberOption(flags: string, help: string, rule: NumberOptionRule = {}): Option {
  const option =
    rule.key === undefined ? new Option(flags, help) : keyedOption(flags, help, rule.key);
  option.argParser((v: string) => parseNumber(option.long ?? flags, v, rule));
  return rule.default === undefined ? option : option.default(rule.default);
}

/** `--seed <s>`: a 32-bit unsigned seed. */
export function seedOption(help: string, defaultSeed?: number): Option {
  return numberOption('--seed <s>', help, { max: 0xffffffff, default: defaultSeed });
}

/**
 * `--train<suffix> <n>`, `--val…`, `--test…`: triplets per split, each saying its default (`notes`
 * adds to a split's help), stored as `trainCount` and so on; splitCounts reads them back.
 */
export function addSplitCountOptions(
  cmd: Command,
  defaults: Readonly<Record<SplitName, number>>,
  suffix = '',
  notes: Partial<Record<SplitName, string>> = {},
): Command {
  for (const s of SPLITS) {
    const help = `${s} triplets${notes[s] ?? ''} (default ${defaults[s]})`;
    cmd.addOption(numberOption(`--${s}${suffix} <n>`, help, { key: `${s}Count` }));
  }
  return cmd;
}

/** The library's `counts`: those of addSplitCountOptions given, else `fallback` if any. */
export function splitCounts(o: object, fallback?: number): Partial<Record<SplitName, number>> {
  const given = o as Partial<Record<`${SplitName}Count`, number>>;
  const counts = SPLITS.map((s) => [s, given[`${s}Count`] ?? fallback] as const);
  return Object.fromEntries(counts.filter(([, n]) => n !== undefined));
}

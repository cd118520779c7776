// Option parsing shared by the CLI commands. Light on purpose: it is loaded on every start, so it
// imports no TensorFlow.js (the engine is imported when a command runs).
import { ExprsimError } from '../core/index.js';
import type { SplitName } from '../data/defaults.js';
import { parseBackendName, type BackendName } from '../engine/defaults.js';
import type { EngineInfo } from '../engine/index.js';

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

/** The value of an option that takes a string (undefined when absent or a bare flag). */
export function optString(value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A split name option: train, val or test. */
export function parseSplit(flag: string, value: OptionValue): SplitName | undefined {
  const v = optString(value);
  if (v === undefined) return undefined;
  if (v !== 'train' && v !== 'val' && v !== 'test') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${flag} must be train, val or test, got ${JSON.stringify(v)}`,
      {
        input: `${flag} ${v}`,
      },
    );
  }
  return v;
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

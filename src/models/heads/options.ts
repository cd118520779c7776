import { ExprsimError } from '../../core/errors.js';
import type { Shape3 } from '../../core/types.js';

/**
 * Small validators for head configs. Every head resolves its config once, through these: a key
 * that is absent or `undefined` takes its documented default (`??`, so 0 and false are kept),
 * and a present key must be valid, else an `E_BAD_OPTION` error names the head, the key, the
 * value and what is allowed.
 */

/**
 * Parses "48x48x1" into [48, 48, 1]; E_BAD_OPTION naming `what` (the option) otherwise, with
 * `example` in the fix.
 */
export function parseShape3(value: string, what: string, example = '48x48x1'): Shape3 {
  const dims = value
    .trim()
    .toLowerCase()
    .split('x')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ExprsimError('E_BAD_OPTION', `"${value}" is not a shape HxWxC`, {
      input: what,
      fix: `write height x width x channels, e.g. ${example}`,
    });
  }
  return dims as Shape3;
}

export function badOption(head: string, key: string, message: string, fix?: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', `${key} ${message}`, {
    input: `head ${head}`,
    fix,
  });
}

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** The config as a record; rejects non-objects and keys the head does not know. */
export function checkConfig(
  head: string,
  config: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new ExprsimError('E_BAD_OPTION', `config must be an object, got ${show(config)}`, {
      input: `head ${head}`,
    });
  }
  const raw = config as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      { input: `head ${head}`, fix: `valid options: ${[...allowed].sort().join(', ')}` },
    );
  }
  return raw;
}

export interface NumberRange {
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  above?: number;
  below?: number;
}

function rangeText(r: NumberRange): string {
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  return parts.join(' and ');
}

function inRange(v: number, r: NumberRange): boolean {
  return (
    (r.min === undefined || v >= r.min) &&
    (r.max === undefined || v <= r.max) &&
    (r.above === undefined || v > r.above) &&
    (r.below === undefined || v < r.below)
  );
}

function checkedNumber(
  head: string,
  key: string,
  value: unknown,
  range: NumberRange,
  int: boolean,
): number | undefined {
  if (value === undefined) return undefined;
  const ok = int ? Number.isInteger(value) : Number.isFinite(value);
  if (typeof value !== 'number' || !ok || !inRange(value, range)) {
    const want = rangeText(range);
    throw badOption(
      head,
      key,
      `must be ${int ? 'an integer' : 'a number'}${want ? ` ${want}` : ''}, got ${show(value)}`,
    );
  }
  return value;
}

export function numberOption(
  head: string,
  key: string,
  value: unknown,
  range: NumberRange = {},
): number | undefined {
  return checkedNumber(head, key, value, range, false);
}

export function intOption(
  head: string,
  key: string,
  value: unknown,
  range: NumberRange = {},
): number | undefined {
  return checkedNumber(head, key, value, range, true);
}

export function boolOption(head: string, key: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw badOption(head, key, `must be true or false, got ${show(value)}`);
  return value;
}

export function enumOption<T extends string>(
  head: string,
  key: string,
  value: unknown,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw badOption(head, key, `must be one of ${choices.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

export function shapeOption(head: string, key: string, value: unknown): Shape3 | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    !value.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw badOption(
      head,
      key,
      `must be [height, width, channels] of positive integers, got ${show(value)}`,
    );
  }
  return [value[0], value[1], value[2]] as Shape3;
}

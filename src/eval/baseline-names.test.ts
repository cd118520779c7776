import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from '../core/errors.js';
import { BASELINE_NAMES, checkBaselineResize, resolveBaselineNames } from './baseline-names.js';

test('baseline names: all, a checked subset, none given', () => {
  assert.equal(resolveBaselineNames(undefined, 'only'), undefined);
  assert.deepEqual(resolveBaselineNames([' all '], 'only'), [...BASELINE_NAMES]);
  assert.deepEqual(resolveBaselineNames(['raw-pixels', ' human-emotion', ''], 'versus'), [
    'raw-pixels',
    'human-emotion',
  ]);
  assert.throws(
    () => resolveBaselineNames(['', ' '], 'versus'),
    (e: unknown) =>
      e instanceof ExprsimError &&
      e.code === 'E_BAD_OPTION' &&
      e.option === 'versus' &&
      e.message === '`versus` names no baseline',
  );
  assert.throws(
    () => resolveBaselineNames(['raw-pixels', 'face-api'], 'only'),
    (e: unknown) =>
      e instanceof ExprsimError &&
      e.code === 'E_UNKNOWN_NAME' &&
      e.option === 'only' &&
      /unknown baseline "face-api"/.test(e.message) &&
      /raw-pixels/.test(e.fix ?? ''),
  );
});

test('a baselines resize kernel is checked up front, naming the option', () => {
  assert.equal(checkBaselineResize(undefined, 'resize'), undefined);
  assert.equal(checkBaselineResize('linear', 'resize'), 'linear');
  assert.throws(
    () => checkBaselineResize('bicubic' as never, 'versusResize'),
    (e: unknown) =>
      e instanceof ExprsimError &&
      e.option === 'versusResize' &&
      /^`versusResize` must be .*lanczos3.*, got bicubic$/.test(e.message),
  );
});

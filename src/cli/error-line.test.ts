import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { ExprsimError } from '../core/index.js';
import { cliErrorLine, commandFlags, optionFlags } from './error-line.js';

test('backticked option keys become the flags of the commands that take them', () => {
  const program = new Command('exprsim');
  program
    .command('train')
    .option('--tail-lr-scale <x>', 'scale')
    .option('--mirror-features <dir>', 'cache')
    .option('--no-flip', 'no flips');
  const flags = optionFlags(program);
  assert.equal(flags.get('tailLrScale'), '--tail-lr-scale');
  assert.equal(flags.has('flip'), false, 'a negated flag does not stand for its key');
  const e = new ExprsimError('E_BAD_OPTION', '`tailLrScale` needs a head with a tail', {
    input: '2',
    fix: 'pass `mirrorFeatures`, or drop `tailLrScale`; `unknownKey` stays',
    option: 'tailLrScale',
  });
  assert.equal(
    cliErrorLine(e, flags),
    '2: `--tail-lr-scale` needs a head with a tail (pass `--mirror-features`, or drop `--tail-lr-scale`; `unknownKey` stays)',
  );
});

test("a command's errors name only its own flags and the global ones; `key: false` is the --no- flag", () => {
  const program = new Command('exprsim').option('--verbose', 'debug');
  const embed = program
    .command('embed')
    .option('--max-pixels <n>', 'limit')
    .option('--no-detect', 'crops');
  program.command('train').option('--tail-lr-scale <x>', 'scale');
  const flags = commandFlags(embed);
  assert.equal(flags.get('maxPixels'), '--max-pixels');
  assert.equal(flags.get('verbose'), '--verbose');
  assert.equal(flags.has('tailLrScale'), false, "train's flag is not embed's");
  const e = new ExprsimError('E_DATA_EMPTY', 'no face', {
    input: 'x.jpg',
    fix: 'pass `detect: false` for crops, `maxPixels` for big ones, or `tailLrScale`',
  });
  assert.equal(
    cliErrorLine(e, flags),
    'x.jpg: no face (pass `--no-detect` for crops, `--max-pixels` for big ones, or `tailLrScale`)',
  );
});

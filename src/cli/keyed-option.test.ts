import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { ExprsimError } from '../core/index.js';
import { cliErrorLine, optionFlags } from './error-line.js';
import { keyedOption } from './keyed-option.js';

test('a keyed option stores its value under the library key, and errors naming the key show its flag', async () => {
  let seen: Record<string, unknown> = {};
  const program = new Command('exprsim')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  program
    .command('features')
    .addOption(keyedOption('--out <dir>', 'cache folder', 'outDir').makeOptionMandatory())
    .addOption(keyedOption('--when-no-face <mode>', 'no face', 'noFace'))
    .action((o: Record<string, unknown>) => {
      seen = o;
    });
  await program.parseAsync(['features', '--out', 'c', '--when-no-face', 'skip'], { from: 'user' });
  assert.deepEqual(seen, { outDir: 'c', noFace: 'skip' });
  const e = new ExprsimError('E_CACHE_MISMATCH', '`noFace` differs', {
    fix: 'write to a new `outDir` folder',
    option: 'outDir',
  });
  assert.equal(
    cliErrorLine(e, optionFlags(program)),
    '`--when-no-face` differs (write to a new `--out` folder)',
  );
  await assert.rejects(program.parseAsync(['features'], { from: 'user' }), /--out <dir>/);
});

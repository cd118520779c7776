import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceMarkedSection, updateMarkedSection } from './markdown-section.js';

const doc = [
  '# Benchmarks',
  '',
  'Intro.',
  '',
  '<!-- bench:engine:start -->',
  'old engine',
  '<!-- bench:engine:end -->',
  '',
  '<!-- bench:train:start -->',
  'old train',
  '<!-- bench:train:end -->',
  '',
  'Outro.',
  '',
].join('\n');

test('replaceMarkedSection replaces one section between its markers and keeps the rest', () => {
  const out = replaceMarkedSection(doc, 'engine', '\n  new engine\n\n');
  assert.equal(out, doc.replace('old engine', 'new engine'));
  // Idempotent.
  assert.equal(replaceMarkedSection(out, 'engine', 'new engine'), out);
});

test('replaceMarkedSection appends a missing (or malformed) section after a blank line', () => {
  assert.equal(
    replaceMarkedSection('# Benchmarks\n\n\n', 'detect', 'body'),
    '# Benchmarks\n\n<!-- bench:detect:start -->\nbody\n<!-- bench:detect:end -->\n',
  );
  // End marker before the start marker: not a section, so a new one is appended.
  const broken = '<!-- bench:x:end -->\n<!-- bench:x:start -->\n';
  assert.equal(
    replaceMarkedSection(broken, 'x', 'b'),
    `${broken.trimEnd()}\n\n<!-- bench:x:start -->\nb\n<!-- bench:x:end -->\n`,
  );
});

test('updateMarkedSection rewrites a file in place, or starts one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-md-'));
  try {
    const path = join(dir, 'BENCHMARKS.md');
    await updateMarkedSection(path, 'heads', 'h1');
    assert.equal(
      await readFile(path, 'utf8'),
      '# Benchmarks\n\n<!-- bench:heads:start -->\nh1\n<!-- bench:heads:end -->\n',
    );
    await writeFile(path, doc);
    await updateMarkedSection(path, 'train', 'new train');
    assert.equal(await readFile(path, 'utf8'), doc.replace('old train', 'new train'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

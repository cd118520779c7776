import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCsvLine } from './csv-line.js';

test('plain fields are split at commas and trimmed', () => {
  assert.deepEqual(splitCsvLine('a, b ,c'), { ok: true, fields: ['a', 'b', 'c'] });
  assert.deepEqual(splitCsvLine('a,,'), { ok: true, fields: ['a', '', ''] });
  assert.deepEqual(splitCsvLine(''), { ok: true, fields: [''] });
});

test('quoted fields keep commas, doubled quotes and spaces', () => {
  assert.deepEqual(splitCsvLine('"x,y","say ""hi""", " z "'), {
    ok: true,
    fields: ['x,y', 'say "hi"', ' z '],
  });
  assert.deepEqual(splitCsvLine('"http://a/b.jpg",0.1'), {
    ok: true,
    fields: ['http://a/b.jpg', '0.1'],
  });
  assert.deepEqual(splitCsvLine('""'), { ok: true, fields: [''] });
  // A quote inside an unquoted field is text.
  assert.deepEqual(splitCsvLine('ab"c,d'), { ok: true, fields: ['ab"c', 'd'] });
});

test('damaged quoting is reported, naming the column', () => {
  assert.deepEqual(splitCsvLine('a,"b,c'), {
    ok: false,
    reason: 'unterminated quoted field in column 2',
  });
  assert.deepEqual(splitCsvLine('"a"x,b'), {
    ok: false,
    reason: 'text after the closing quote of column 1',
  });
});

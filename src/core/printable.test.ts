import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from './errors.js';
import { printable } from './printable.js';

test('printable escapes terminal escape codes, newlines and bidi overrides, keeps the rest', () => {
  assert.equal(printable('\x1b[31mred.jpg'), '\\x1b[31mred.jpg');
  assert.equal(printable('\x1b]0;pwned\x07a.jpg'), '\\x1b]0;pwned\\x07a.jpg');
  assert.equal(printable('two\nlines\r\tx.jpg'), 'two\\nlines\\r\\tx.jpg');
  assert.equal(printable('nul\0del\x7fc1\x9b.jpg'), 'nul\\x00del\\x7fc1\\x9b.jpg');
  assert.equal(printable('gpj.\u202eexe'), 'gpj.\\u202eexe');
  assert.equal(printable('a\u2028b\u2066c'), 'a\\u2028b\\u2066c');
  const plain = 'Fotos/Café 北京 😀 (1).jpg';
  assert.equal(printable(plain), plain);
  // Nothing printed from an escaped string is a control character any more.
  // eslint-disable-next-line no-control-regex
  const unsafe = /[\u0000-\u001f\u007f-\u009f\u202e]/;
  assert.doesNotMatch(printable('\x00\x01\x1b\x7f\x85\x9f\u202e'), unsafe);
});

test("an error's one line names a hostile input escaped: still one line, no escape codes", () => {
  const e = new ExprsimError('E_NOT_AN_IMAGE', 'not an image', {
    input: 'photos/\x1b[31mred\n.jpg',
    fix: 'pass a JPEG',
  });
  assert.equal(e.toLine(), 'photos/\\x1b[31mred\\n.jpg: not an image (pass a JPEG)');
});

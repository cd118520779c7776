import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boxKey,
  isFecBadRow,
  isHttpUrl,
  parseDecimal,
  parseFecFields,
  type FecBadRow,
  type FecRow,
} from './fec-row.js';

const U = ['http://a.example/1.jpg', 'https://b.example/2.jpg', 'http://c.example/3.jpg'];
function fields(
  over: Record<number, string> = {},
  ratings = ['r1', '1', 'r2', '2', 'r3', '3', 'r4', '1', 'r5', '1', 'r6', '2'],
) {
  const f = [
    U[0],
    '0.1',
    '0.5',
    '0.2',
    '0.6',
    U[1],
    '0',
    '1',
    '0',
    '1',
    U[2],
    '0.25',
    '0.75',
    '0.3',
    '0.9',
    'TWO_CLASS_TRIPLET',
    ...ratings,
  ];
  for (const [i, v] of Object.entries(over)) f[Number(i)] = v;
  return f;
}
const reason = (f: string[]) => (parseFecFields(f, 7) as FecBadRow).reason;

test('a valid row keeps all faces, the type and every rating', () => {
  const r = parseFecFields(fields(), 3) as FecRow;
  assert.equal(isFecBadRow(r), false);
  assert.equal(r.line, 3);
  assert.deepEqual(r.faces[0], {
    url: U[0],
    box: { left: 0.1, right: 0.5, top: 0.2, bottom: 0.6 },
  });
  assert.deepEqual(r.faces[1].box, { left: 0, right: 1, top: 0, bottom: 1 });
  assert.equal(r.type, 'TWO_CLASS_TRIPLET');
  assert.deepEqual(
    r.ratings.map((x) => x.annotation),
    [1, 2, 3, 1, 1, 2],
  );
  assert.equal(r.ratings[5].rater, 'r6');
});

test('rows with more raters keep every pair (9 raters -> 9 ratings)', () => {
  const nine = Array.from({ length: 9 }, (_, i) => [`r${i}`, String((i % 3) + 1)]).flat();
  const r = parseFecFields(fields({}, nine), 1) as FecRow;
  assert.equal(r.ratings.length, 9);
  assert.deepEqual(
    r.ratings.map((x) => x.annotation),
    [1, 2, 3, 1, 2, 3, 1, 2, 3],
  );
});

test('each kind of malformation has its own reason naming the column', () => {
  assert.match(reason(fields().slice(0, 17)), /has 17 fields; a row needs at least 18/);
  assert.match(reason([...fields(), 'r7']), /the 13 after the triplet type .* odd number/);
  assert.match(
    reason(fields({ 0: 'ftp://a/b.jpg' })),
    /image 1 URL \(column 1\) is not an http\(s\) URL: "ftp:\/\/a\/b.jpg"/,
  );
  assert.match(reason(fields({ 5: 'not a url' })), /image 2 URL \(column 6\)/);
  assert.match(reason(fields({ 8: 'abc' })), /image 2 top \(column 9\) is not a number: "abc"/);
  assert.match(reason(fields({ 8: '' })), /image 2 top \(column 9\) is not a number: ""/);
  assert.match(
    reason(fields({ 12: '1.2' })),
    /image 3 right \(column 13\) is 1.2, outside \[0, 1\]/,
  );
  assert.match(reason(fields({ 1: '-0.1' })), /image 1 left \(column 2\) is -0.1, outside/);
  assert.match(reason(fields({ 1: '0.5', 2: '0.5' })), /image 1 box has left 0.5 >= right 0.5/);
  assert.match(reason(fields({ 13: '0.9', 14: '0.3' })), /image 3 box has top 0.9 >= bottom 0.3/);
  assert.match(
    reason(fields({ 15: 'FOUR_CLASS_TRIPLET' })),
    /unknown triplet type "FOUR_CLASS_TRIPLET" \(column 16\)/,
  );
  assert.match(
    reason(fields({ 17: '4' })),
    /annotation of rater "r1" \(column 18\) is "4"; it must be 1, 2 or 3/,
  );
  assert.match(reason(fields({ 19: '0' })), /column 20/);
  assert.match(reason(fields({ 17: '1.0' })), /it must be 1, 2 or 3/);
  assert.match(reason(fields({ 18: '' })), /empty rater id \(column 19\)/);
});

test('numbers are parsed strictly; URLs must be http(s) with a host', () => {
  assert.equal(parseDecimal('0.25'), 0.25);
  assert.equal(parseDecimal('.5'), 0.5);
  assert.equal(parseDecimal('1e-1'), 0.1);
  for (const bad of ['', ' ', '0x1', '1,5', 'NaN', 'Infinity', '1.2.3'])
    assert.equal(parseDecimal(bad), undefined, bad);
  assert.equal(isHttpUrl('https://x.example/a.jpg'), true);
  assert.equal(isHttpUrl('http://'), false);
  assert.equal(isHttpUrl(''), false);
  assert.equal(isHttpUrl('file:///a.jpg'), false);
  assert.equal(isHttpUrl('farm1.staticflickr.com/a.jpg'), false);
});

test('boxKey is canonical: 0.50 and 0.5 are the same box', () => {
  assert.equal(boxKey({ left: 0.5, right: 0.6, top: 0, bottom: 1 }), '0.5,0.6,0,1');
  assert.equal(
    boxKey({ left: Number('0.50'), right: Number('0.60'), top: 0, bottom: 1 }),
    '0.5,0.6,0,1',
  );
});

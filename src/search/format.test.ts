import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  comparisonJson,
  formatComparison,
  formatIndexSummary,
  formatOddOneOut,
  formatSearchResult,
  oddOneOutJson,
  searchResultJson,
} from './format.js';
import type {
  CompareImagesResult,
  FindOddOneOutResult,
  QueryPhoto,
  SearchIndexResult,
} from './image-queries.js';
import type { IndexFolderResult } from './index-folder.js';

const box = { x: 10.26, y: 20.04, width: 45.55, height: 58.4 };
const photo = (file: string, face = 0): QueryPhoto =>
  ({ file, faces: 2, chosen: { face, box } }) as unknown as QueryPhoto;
const neighbour = (id: number, path: string, distance: number, also: string[] = []) => ({
  distance,
  face: { id, photoId: id + 100, path, paths: [path, ...also], face: 1, box, score: 0.98765 },
});

const search = (neighbours: ReturnType<typeof neighbour>[]): SearchIndexResult =>
  ({
    db: 'faces.sqlite',
    root: '/photos',
    model: 'm1',
    query: { source: 'q.jpg', faces: 2, face: 1, box, score: 0.912345, embedding: [] },
    neighbours,
  }) as unknown as SearchIndexResult;

test('a search as a table of neighbours, and as JSON', () => {
  const r = search([neighbour(7, 'a/x.jpg', 0), neighbour(9, 'y.jpg', 0.1234567)]);
  assert.deepEqual(formatSearchResult(r), [
    'search: face 1 of 2 in q.jpg (46x58 at (10, 20)), model m1',
    'rank  distance  photo (face)',
    '   1    0.0000  a/x.jpg (face 1, 46x58 at (10, 20))',
    '   2    0.1235  y.jpg (face 1, 46x58 at (10, 20))',
  ]);
  const j = searchResultJson(r);
  assert.deepEqual(j.query, {
    file: 'q.jpg',
    faces: 2,
    face: 1,
    box: { x: 10.3, y: 20, width: 45.6, height: 58.4 },
    score: 0.9123,
  });
  assert.deepEqual(j.results[1], {
    rank: 2,
    distance: 0.123457,
    path: 'y.jpg',
    paths: ['y.jpg'],
    file: resolve('/photos', 'y.jpg'),
    faceId: 9,
    photoId: 109,
    face: 1,
    box: { x: 10.3, y: 20, width: 45.6, height: 58.4 },
    score: 0.9877,
  });
  assert.deepEqual(formatSearchResult(search([])).slice(2), ['  (the index holds no faces)']);
});

test('a face whose photo is at several paths is listed once, with every path', () => {
  const r = search([neighbour(7, 'a/x.jpg', 0, ['copy/x.jpg', 'z.jpg'])]);
  assert.equal(
    formatSearchResult(r)[2],
    '   1    0.0000  a/x.jpg (face 1, 46x58 at (10, 20); also copy/x.jpg, z.jpg)',
  );
  assert.deepEqual(searchResultJson(r).results[0].paths, ['a/x.jpg', 'copy/x.jpg', 'z.jpg']);
});

test('file names are printed with control characters escaped, never raw', () => {
  const evil = '\x1b[2J\x1b]0;owned\x07x\n.jpg';
  const shown = '\\x1b[2J\\x1b]0;owned\\x07x\\n.jpg';
  const r = search([neighbour(7, evil, 0, [`b${evil}`])]);
  (r.query as { source: string }).source = evil;
  const lines = formatSearchResult(r);
  assert.equal(lines[0], `search: face 1 of 2 in ${shown} (46x58 at (10, 20)), model m1`);
  assert.equal(lines[2], `   1    0.0000  ${shown} (face 1, 46x58 at (10, 20); also b${shown})`);
  const summary = formatIndexSummary({
    files: 1,
    folder: `/p${evil}`,
    db: 'faces.sqlite',
    interrupted: false,
    added: 1,
    changed: 0,
    unchanged: 0,
    removed: 0,
    copies: 0,
    faces: 0,
    noFace: 0,
    failed: 1,
    total: { faces: 0, photos: 1 },
    model: 'm1',
    seconds: 1,
    failures: [{ path: evil, error: `cannot read ${evil}` }],
  } as unknown as IndexFolderResult);
  assert.equal(summary.at(-1), `  ${shown}: cannot read ${shown}`);
  assert.ok(summary[0].includes(`in /p${shown} →`), summary[0]);
  const odd = formatOddOneOut({
    images: [photo(evil), photo('b.jpg'), photo('c.jpg')],
    odd: 0,
    pair: [1, 2],
    distances: { ab: 0.3, ac: 0.3, bc: 0.1 },
    tie: false,
    model: 'm1',
  });
  // eslint-disable-next-line no-control-regex
  for (const line of [...lines, ...summary, ...odd]) assert.doesNotMatch(line, /[\x00-\x1f\x7f]/);
});

test('an indexing run in three lines, failures after', () => {
  const r = {
    files: 1,
    folder: '/photos',
    db: 'faces.sqlite',
    interrupted: true,
    added: 1,
    changed: 0,
    unchanged: 0,
    removed: 2,
    copies: 0,
    faces: 1,
    noFace: 0,
    failed: 1,
    total: { faces: 3, photos: 4 },
    model: 'm1',
    seconds: 1.26,
    failures: [{ path: 'bad.jpg', error: 'not an image' }],
  } as unknown as IndexFolderResult;
  assert.deepEqual(formatIndexSummary(r), [
    'index: 1 photo in /photos → faces.sqlite (interrupted: rerun to continue)',
    '  1 added, 0 changed, 0 unchanged, 2 removed; 1 face written, 0 without a face, 1 failed',
    '  the index now holds 3 faces in 4 photos (model m1) · 1.3 s',
    'failed:',
    '  bad.jpg: not an image',
  ]);
  const many = { ...r, failures: Array.from({ length: 22 }, () => r.failures[0]) };
  assert.equal(formatIndexSummary(many).at(-1), '  … and 2 more (--json lists all)');
  assert.equal(
    formatIndexSummary({ ...r, copies: 2 })[1],
    '  1 added, 0 changed, 0 unchanged, 2 removed (2 the same file as another path: embedded once); 1 face written, 0 without a face, 1 failed',
  );
});

const comparison = (c: Partial<CompareImagesResult['comparison']>): CompareImagesResult => ({
  a: photo('a.jpg'),
  b: photo('b.jpg', 1),
  model: 'm1',
  comparison: { distance: 0.4, percentile: 12.345, similarity: 0.87655, ...c } as never,
});

test('a comparison: distance, then the calibrated similarity or why there is none', () => {
  const r = comparison({ calibration: { source: 'store', origin: 'faces.sqlite', pairs: 100 } });
  assert.deepEqual(formatComparison(r), [
    'similar: a.jpg (face 0 of 2) vs b.jpg (face 1 of 2)',
    'distance:   0.4000 (0 = identical, 2 = opposite)',
    'similarity: 87.7%: more alike than 87.7% of random face pairs (closer than 87.7%; calibration: random pairs in faces.sqlite)',
  ]);
  assert.deepEqual(comparisonJson(r), {
    a: { file: 'a.jpg', faces: 2, face: 0, box: { x: 10.3, y: 20, width: 45.6, height: 58.4 } },
    b: { file: 'b.jpg', faces: 2, face: 1, box: { x: 10.3, y: 20, width: 45.6, height: 58.4 } },
    model: 'm1',
    distance: 0.4,
    percentile: 12.35,
    similarity: 0.8766,
    calibration: { source: 'store', origin: 'faces.sqlite', pairs: 100 },
  });
  const none = comparison({
    percentile: null,
    similarity: null,
    calibration: { source: 'none', reason: 'too few faces' },
  });
  assert.equal(formatComparison(none)[2], 'similarity: unavailable: too few faces');
  assert.equal(comparisonJson(none).similarity, null);
});

test('the odd one out: the photo, the closest pair, the distances', () => {
  const r: FindOddOneOutResult = {
    images: [photo('a.jpg'), photo('b.jpg'), photo('c.jpg')],
    odd: 0,
    pair: [1, 2],
    distances: { ab: 0.22104, ac: 0.2574, bc: 0.12 },
    tie: false,
    model: 'm1',
  };
  assert.deepEqual(formatOddOneOut(r), [
    'odd one out: a.jpg (the closest pair: b.jpg and c.jpg)',
    'distances: a–b 0.2210, a–c 0.2574, b–c 0.1200',
  ]);
  const j = oddOneOutJson(r);
  assert.equal(j.oddFile, 'a.jpg');
  assert.deepEqual(j.distances, { ab: 0.22104, ac: 0.2574, bc: 0.12 });
  assert.deepEqual(j.images[2], {
    file: 'c.jpg',
    faces: 2,
    face: 0,
    box: { x: 10.3, y: 20, width: 45.6, height: 58.4 },
  });
});

test('the odd one out of a tie: no face is named, the JSON says tie', () => {
  const same = (f: string) => photo(f);
  const r: FindOddOneOutResult = {
    images: [same('a.jpg'), same('a.jpg'), same('a.jpg')],
    odd: 2,
    pair: [0, 1],
    distances: { ab: 0, ac: 0, bc: 0 },
    tie: true,
    model: 'm1',
  };
  const lines = formatOddOneOut(r);
  assert.match(lines[0], /^no odd one out: .*tie.*the same face three times/);
  assert.doesNotMatch(lines.join('\n'), /odd one out: a\.jpg/);
  assert.equal(oddOneOutJson(r).tie, true);
});

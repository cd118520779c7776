import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FecDownloadReport } from './fec-download.js';
import type { FecInfo } from './fec-info.js';
import type { FerplusTripletsResult } from './ferplus-triplets.js';
import type { TripletsResult } from './labelled-source.js';
import {
  fecTripletsJson,
  ferplusResultJson,
  formatFecDownload,
  formatFecInfo,
  formatFecTriplets,
  formatFerplusResult,
  formatTripletsResult,
  tripletsResultJson,
  type FecTripletsResult,
} from './format.js';

const INFO = {
  file: 'fec.csv',
  rows: 6,
  badRows: 3,
  blankLines: 2,
  firstBadRows: [
    { line: 6, reason: 'has 10 fields' },
    { line: 7, reason: 'bad type' },
    { line: 9, reason: 'bad box' },
  ],
  uniqueImages: 6,
  uniqueCrops: 7,
  types: { ONE_CLASS_TRIPLET: 2, TWO_CLASS_TRIPLET: 4 },
  raterCounts: { '6': 4, '9': 2 },
  agreement: [
    { fraction: '2/3', value: 2 / 3, rows: 1 },
    { fraction: '1/1', value: 1, rows: 2 },
  ],
  ties: 3,
  triplets: {
    kept: 3,
    droppedTies: 3,
    droppedLowAgreement: 0,
    options: { ties: 'drop', minAgreement: 0 },
  },
} as unknown as FecInfo;

test('formatFecInfo: rows, the first bad rows, images, types, the agreement histogram, triplets', () => {
  assert.deepEqual(formatFecInfo(INFO, 2), [
    'file:          fec.csv',
    'rows:          6 valid, 3 bad, 2 blank lines skipped',
    'bad rows (first 2 of 3):',
    '  line 6: has 10 fields',
    '  line 7: bad type',
    'unique images: 6 (7 distinct URL+box crops)',
    'types:         ONE_CLASS_TRIPLET 2, TWO_CLASS_TRIPLET 4',
    'raters/row:    6: 4, 9: 2',
    'agreement (fraction of raters agreeing with the majority):',
    `    2/3 (0.67)        1  16.7% ${'#'.repeat(10)}`,
    `    1/1 (1.00)        2  33.3% ${'#'.repeat(20)}`,
    `    tie               3  50.0% ${'#'.repeat(30)}`,
    'triplets:      3 kept (ties dropped: 3)',
  ]);
  const clean = {
    ...INFO,
    badRows: 0,
    blankLines: 1,
    firstBadRows: [],
    raterCounts: {},
    triplets: {
      ...INFO.triplets,
      droppedLowAgreement: 2,
      options: { ties: 'lowest', minAgreement: 0.7 },
    },
  } as unknown as FecInfo;
  const lines = formatFecInfo(clean, 5);
  assert.equal(lines[1], 'rows:          6 valid, 0 bad, 1 blank line skipped');
  assert.equal(lines[2], 'unique images: 6 (7 distinct URL+box crops)');
  assert.equal(lines[4], 'raters/row:    -');
  assert.equal(
    lines.at(-1),
    'triplets:      3 kept (ties broken by lowest image; 2 under agreement 0.7)',
  );
  const empty = { ...clean, rows: 0, agreement: [], ties: 0 } as unknown as FecInfo;
  assert.equal(formatFecInfo(empty, 5).at(-2), '    tie               0     0% ');
});

const DOWNLOAD = {
  manifest: 'dl/manifest.jsonl',
  rows: 4,
  badRows: 1,
  urls: 11,
  crops: 12,
  downloaded: 9,
  cropsWritten: 10,
  dead: 1,
  bad: 1,
  errors: 0,
  skipped: 0,
  recropped: 0,
  firstProblems: [{ url: 'http://h/gone.jpg', status: 'dead', reason: 'HTTP 404' }],
} as unknown as FecDownloadReport;

test('formatFecDownload: URLs, what happened to them, the first problems, the manifest', () => {
  assert.deepEqual(formatFecDownload(DOWNLOAD), [
    'urls:        11 unique (12 crops) from 4 rows, 1 bad rows skipped',
    'downloaded:  9 (10 crops written)',
    'dead:        1 (404/410, gone)',
    'bad:         1 (not an image or truncated)',
    'errors:      0 (timeouts, network, 5xx after retries; a rerun tries them again)',
    'skipped:     0 (done by an earlier run)',
    '  dead: http://h/gone.jpg: HTTP 404',
    'manifest:    dl/manifest.jsonl',
  ]);
  const again = { ...DOWNLOAD, badRows: 0, recropped: 2, firstProblems: [] };
  const lines = formatFecDownload(again);
  assert.equal(lines[0], 'urls:        11 unique (12 crops) from 4 rows');
  assert.equal(lines[6], 'recropped:   2 (new boxes cut from stored full images)');
  assert.equal(lines.length, 8);
});

test('formatFecTriplets and fecTripletsJson: counts per split with their files, the manifest', () => {
  const counts = { rows: 4, badRows: 1, kept: 3, droppedTies: 0, droppedLowAgreement: 2 };
  const r = {
    manifest: {},
    counts: { train: { ...counts, droppedMissingImages: 1 } },
  } as unknown as FecTripletsResult;
  assert.deepEqual(formatFecTriplets(r, 'out'), [
    'train: 3 triplets from 4 rows (dropped: 0 ties, 2 low agreement, 1 missing crops; 1 bad rows) -> out/train.jsonl',
    'manifest: out/dataset.json',
  ]);
  assert.deepEqual(fecTripletsJson(r, 'out'), { counts: r.counts, manifest: 'out/dataset.json' });
});

const skipped = { count: 1, first: [{ line: 6, item: 'bad', reason: 'has 1 fields' }] };
const missing = { count: 2, first: [{ item: 'gone.jpg', reason: 'no such file' }] };
const TRIPLETS = {
  counts: { train: 1, val: 4 },
  manifestPath: 'o/dataset.json',
  manifest: {
    sources: { labelled: {} },
    splits: {
      train: { file: 'train.jsonl', count: 1, images: 3, shortfall: 1 },
      val: { file: 'val.jsonl', count: 4, images: 6, shortfall: 0 },
    },
  },
  source: {
    kind: 'labels-csv',
    input: 'l/labels.csv',
    dataset: { images: [1, 2, 3], skipped, missing },
  },
} as unknown as TripletsResult;

test('formatTripletsResult: the source with skipped and missing items, each split, the manifest', () => {
  assert.deepEqual(formatTripletsResult(TRIPLETS, 'o'), [
    'source:   labelled (labels-csv l/labels.csv): 3 images, 1 rows skipped, 2 missing files',
    '  skipped line 6: bad: has 1 fields',
    '  missing gone.jpg: no such file',
    'train:    1 triplets from 3 images (1 fewer than asked: the split is too small) -> o/train.jsonl',
    'val:      4 triplets from 6 images -> o/val.jsonl',
    'manifest: o/dataset.json',
  ]);
});

test('tripletsResultJson: counts, manifest, splits, skipped and missing', () => {
  assert.deepEqual(tripletsResultJson(TRIPLETS), {
    counts: { train: 1, val: 4 },
    manifest: 'o/dataset.json',
    splits: TRIPLETS.manifest.splits,
    skipped,
    missing,
  });
});

const tally = (count: number, ...items: string[]) => ({
  count,
  first: items.map((item, i) => ({ line: i + 2, item, reason: 'why' })),
});
const split = (written: number, requested: number) => ({
  faces: 10,
  usable: 8,
  requested,
  written,
  types: { ONE_CLASS_TRIPLET: 2, TWO_CLASS_TRIPLET: 1, THREE_CLASS_TRIPLET: 1 },
  oneClass: { written: 2, draws: 5 },
  mixed: { written: 2, draws: 3 },
});
const FERPLUS = {
  manifestPath: 'fp/dataset.json',
  counts: { train: 4, val: 3 },
  splits: { train: split(4, 4), val: split(3, 5) },
  leftOut: {
    nf: tally(3, 'a.png', 'b.png', 'c.png'),
    unknown: tally(1, 'd.png'),
    noVotes: tally(0),
    missingFile: tally(0),
  },
  files: [
    {
      file: 'votes.csv',
      layout: 'votes-csv',
      rows: 12,
      faces: 11,
      skipped: tally(1, 'x.png'),
      droppedByFerplus: tally(2),
    },
  ],
} as unknown as FerplusTripletsResult;

test('formatFerplusResult: vote files, left-out faces, splits with their types, the manifest', () => {
  const types = '          types: one-class 2, two-class 1, three-class 1';
  assert.deepEqual(formatFerplusResult(FERPLUS, 'fp'), [
    'votes:    votes.csv (votes-csv): 11 faces from 12 rows, 1 bad rows skipped, 2 without image (dropped by FER+)',
    '    line 2: x.png: why',
    'left out: 4 faces (3 with NF votes, 1 with unknown votes, 0 without emotion votes, 0 without an image file)',
    '    line 2: a.png: why',
    '    line 3: b.png: why',
    '    line 2: d.png: why',
    'train:    4 triplets from 8 of 10 faces -> fp/train.jsonl',
    `${types} (kept 2 of 5 one-class and 2 of 3 mixed draws)`,
    'val:      3 triplets (2 fewer than asked) from 8 of 10 faces -> fp/val.jsonl',
    `${types} (kept 2 of 5 one-class and 2 of 3 mixed draws)`,
    'manifest: fp/dataset.json',
  ]);
});

test('ferplusResultJson: counts, manifest, splits, left-out faces and vote files', () => {
  const json = ferplusResultJson(FERPLUS);
  assert.deepEqual(Object.keys(json), ['counts', 'manifest', 'splits', 'leftOut', 'files']);
  assert.equal(json.manifest, 'fp/dataset.json');
  assert.equal(json.files, FERPLUS.files);
});

// Hostile input through the real CLI binary: damaged, truncated, empty and oversized images,
// CSVs of the wrong shape or encoding, missing and damaged model files, bad option values, file
// names with escape codes and newlines, dangling symlinks, unreadable folders, a damaged
// database. Each must end in one line on stderr that names the input and says what to do, a
// non-zero exit, no stack trace and no raw control characters; an index run that fails must
// leave a real database intact (PRAGMA integrity_check) and a damaged one untouched.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  appendFile,
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { FACE_PHOTO, saveTestModel } from './fixtures/search/model.js';
import { IS_ROOT } from './fixtures/unprivileged.js';
import { runCli } from './helpers.js';

let work: string;
let model: string;
let photos: string;
let db: string;
let garbageDb: string;
let garbageBytes: Buffer;
const p = (name: string) => join(work, name);

/** CRC-32 (the PNG chunk checksum). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/**
 * A well-formed PNG whose header declares width x height RGB, with one small compressed data
 * chunk (far too little for that size: the header is all a decoder sees before the limit).
 */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The tiny model with its weights overwritten by NaN float32s. */
const nanModel = (name: string) =>
  damaged(name, async (d) => {
    const n = (await stat(join(d, 'weights.bin'))).size / 4;
    await writeFile(join(d, 'weights.bin'), new Uint8Array(new Float32Array(n).fill(NaN).buffer));
  });

/** A copy of the tiny model with `damage` done to it. */
async function damaged(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
  const dir = p(name);
  await cp(model, dir, { recursive: true });
  await damage(dir);
  return dir;
}

const ESC_NAME = 'evil\x1b[31mred\x1b[0m.jpg';
const NEWLINE_NAME = 'two\nlines.jpg';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'exprsim-hostile-'));
  model = await saveTestModel(p('model'));
  photos = p('photos');
  await mkdir(photos);
  await copyFile(FACE_PHOTO, join(photos, 'face.jpg'));
  db = p('faces.sqlite');
  const idx = await runCli(['index', photos, '--db', db, '--model', model]);
  assert.equal(idx.code, 0, idx.stderr);

  const face = await readFile(FACE_PHOTO);
  await writeFile(p('zero.jpg'), '');
  await writeFile(
    p('random.jpg'),
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 251)),
  );
  await writeFile(p('truncated.jpg'), face.subarray(0, Math.floor(face.length * 0.4)));
  await writeFile(p('huge.png'), pngHeader(100_000, 100_000));
  await writeFile(p('empty-header.png'), pngHeader(0, 0));
  await writeFile(p('text.png'), 'hello, I am not a PNG\n');
  await mkdir(p('folder.jpg'));
  await writeFile(p(ESC_NAME), 'junk');
  await writeFile(p(NEWLINE_NAME), 'junk');
  await mkdir(p('dangling'));
  await symlink(p('nowhere.jpg'), join(p('dangling'), 'gone.jpg'));
  await mkdir(join(p('locked'), 'inner'), { recursive: true });
  await copyFile(FACE_PHOTO, join(p('locked'), 'inner', 'a.jpg'));
  await chmod(join(p('locked'), 'inner'), 0o000);

  await writeFile(p('wrong.csv'), 'name,colour\na.jpg,red\n');
  await writeFile(
    p('binary.csv'),
    Buffer.from([0x89, 0x00, 0xff, 0x13, 0x00, 0x00, 0x42, 0x0a, 0x00, 0x01]),
  );
  await writeFile(
    p('utf16.csv'),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('path,label\na.jpg,happy\n', 'utf16le')]),
  );
  await writeFile(p('empty.csv'), '');
  await writeFile(p('header-only.csv'), 'path,label\n');

  await mkdir(p('not-a-model'));
  await writeFile(join(p('not-a-model'), 'README.md'), 'nothing here');
  garbageDb = p('x.sqlite');
  garbageBytes = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256));
  await writeFile(garbageDb, garbageBytes);
});

after(async () => {
  if (work === undefined) return;
  await chmod(join(p('locked'), 'inner'), 0o755).catch(() => {});
  await rm(work, { recursive: true, force: true });
});

interface Row {
  name: string;
  /** The CLI arguments (paths made when the row runs). */
  args: () => Promise<string[]> | string[];
  /** What stderr must name: the input (as printed: escaped) or its flag. */
  names: RegExp | string;
  /** An index database the run must leave intact (a real one) or untouched (garbage). */
  db?: () => string;
  skip?: string | false;
}

const embed = (...a: string[]) => ['embed', ...a, '--model', model, '--out', p('out.jsonl')];
const detect = (...a: string[]) => ['detect', ...a];
const triplets = (csv: string) => ['data', 'triplets', '--labels', csv, '--out', p('triplets')];

const rows: Row[] = [
  // Images.
  { name: 'a zero-byte .jpg', args: () => detect(p('zero.jpg')), names: 'zero.jpg' },
  { name: 'random bytes named .jpg', args: () => detect(p('random.jpg')), names: 'random.jpg' },
  {
    name: 'a truncated JPEG (its hint names --fail-on)',
    args: () => detect(p('truncated.jpg')),
    names: /truncated\.jpg: .*`--fail-on`/,
  },
  {
    name: 'a PNG header claiming 100000x100000 (its hint names --max-pixels)',
    args: () => detect(p('huge.png')),
    names: /huge\.png: 100000x100000 .*`--max-pixels`/,
  },
  {
    name: 'a PNG header claiming 0x0',
    args: () => detect(p('empty-header.png')),
    names: 'empty-header.png',
  },
  { name: 'a text file named .png', args: () => detect(p('text.png')), names: 'text.png' },
  { name: 'a folder named .jpg', args: () => detect(p('folder.jpg')), names: 'folder.jpg' },
  { name: 'a missing file', args: () => detect(p('missing.jpg')), names: 'missing.jpg' },
  {
    name: 'a file name with terminal escape codes',
    args: () => detect(p(ESC_NAME)),
    names: 'evil\\x1b[31mred\\x1b[0m.jpg',
  },
  {
    name: 'a file name with a newline',
    args: () => detect(p(NEWLINE_NAME)),
    names: 'two\\nlines.jpg',
  },
  {
    name: 'embed: every image unreadable',
    args: () => embed(p('random.jpg'), p('zero.jpg')),
    names: /random\.jpg.*no face embedded: 2 of 2 unreadable/,
  },
  {
    name: 'similar: a truncated photo',
    args: () => ['similar', p('truncated.jpg'), FACE_PHOTO, '--model', model],
    names: 'truncated.jpg',
  },
  {
    name: 'embed: a folder holding only a dangling symlink',
    args: () => embed(p('dangling')),
    names: /dangling: no image files found: .*gone\.jpg: a broken symlink/,
  },
  {
    name: 'embed: an unreadable folder',
    args: () => embed(p('locked')),
    names: 'inner',
    skip: IS_ROOT ? 'root reads every folder, whatever its permissions' : false,
  },

  // CSVs.
  {
    name: 'a labels CSV with the wrong columns',
    args: () => triplets(p('wrong.csv')),
    names: 'wrong.csv',
  },
  { name: 'a binary labels CSV', args: () => triplets(p('binary.csv')), names: 'binary.csv' },
  { name: 'a UTF-16 labels CSV', args: () => triplets(p('utf16.csv')), names: 'utf16.csv' },
  { name: 'an empty labels CSV', args: () => triplets(p('empty.csv')), names: 'empty.csv' },
  {
    name: 'a labels CSV with a header only',
    args: () => triplets(p('header-only.csv')),
    names: 'header-only.csv',
  },
  { name: 'a missing labels CSV', args: () => triplets(p('missing.csv')), names: 'missing.csv' },
  {
    name: 'a binary FEC CSV',
    args: () => ['data', 'fec-info', p('binary.csv')],
    names: 'binary.csv',
  },
  {
    name: 'a UTF-16 FEC CSV',
    args: () => ['data', 'fec-info', p('utf16.csv')],
    names: 'utf16.csv',
  },

  // Models.
  {
    name: 'a folder that is not a model',
    args: () => ['embed', FACE_PHOTO, '--model', p('not-a-model'), '--out', p('o.jsonl')],
    names: /not-a-model: `--model` is not a model folder.*model\.json and weights\.bin/,
  },
  {
    name: 'a model without weights.bin',
    args: async () => {
      const m = await damaged('no-weights', (d) => rm(join(d, 'weights.bin')));
      return ['similar', FACE_PHOTO, FACE_PHOTO, '--model', m];
    },
    names: /no-weights\/weights\.bin: weight file listed in model\.json is missing/,
  },
  {
    name: 'a model.json that is not JSON',
    args: async () => {
      const m = await damaged('bad-json', (d) =>
        writeFile(join(d, 'model.json'), '{"modelTopology": '),
      );
      return embed(FACE_PHOTO).map((a) => (a === model ? m : a));
    },
    names: /bad-json\/model\.json: model\.json is not valid JSON/,
  },
  {
    name: 'a model with NaN weights',
    args: async () => {
      const m = await nanModel('nan');
      return embed(FACE_PHOTO).map((a) => (a === model ? m : a));
    },
    names: /\/nan: the model's weight .* holds NaN/,
  },
  {
    name: 'a weights path out of the model folder',
    args: async () => {
      const m = await damaged('traversal', async (d) => {
        const json = JSON.parse(await readFile(join(d, 'model.json'), 'utf8')) as {
          weightsManifest: { paths: string[] }[];
        };
        json.weightsManifest[0].paths = ['../../../../../../../../../etc/passwd'];
        await writeFile(join(d, 'model.json'), JSON.stringify(json));
      });
      return ['similar', FACE_PHOTO, FACE_PHOTO, '--model', m];
    },
    names: /\/etc\/passwd: a weight file listed in model\.json is outside the model folder/,
  },
  {
    name: 'trailing bytes after the weights',
    args: async () => {
      const m = await damaged('trailing', (d) => appendFile(join(d, 'weights.bin'), 'EXTRA'));
      return ['similar', FACE_PHOTO, FACE_PHOTO, '--model', m];
    },
    names: /trailing: weights are too long/,
  },

  // Options.
  { name: 'an unknown option', args: () => ['info', '--frobnicate'], names: '--frobnicate' },
  { name: 'an unknown command', args: () => ['frobnicate'], names: 'frobnicate' },
  { name: 'a missing required option', args: () => ['embed', FACE_PHOTO], names: '--out' },
  {
    name: '--min-face 1 (mtcnn needs 4)',
    args: () => detect(FACE_PHOTO, '--min-face', '1'),
    names: /--min-face.*4/,
  },
  { name: '--k -3', args: () => ['search', FACE_PHOTO, '--db', db, '--k', '-3'], names: '-k -3' },
  {
    name: '--margin abc',
    args: () => ['similar', FACE_PHOTO, FACE_PHOTO, '--margin', 'abc'],
    names: '--margin abc',
  },
  {
    name: '--max-pixels 0',
    args: () => detect(FACE_PHOTO, '--max-pixels', '0'),
    names: '--max-pixels 0',
  },
  {
    name: '--fail-on sometimes',
    args: () => detect(FACE_PHOTO, '--fail-on', 'sometimes'),
    names: '--fail-on sometimes',
  },
  {
    name: '--batch-size 0',
    args: () => [...embed(FACE_PHOTO), '--batch-size', '0'],
    names: '--batch-size 0',
  },
  {
    name: 'an unknown detector',
    args: () => detect(FACE_PHOTO, '--detector', 'yolo'),
    names: 'yolo',
  },
  {
    name: 'an output of unknown format',
    args: () => ['embed', FACE_PHOTO, '--model', model, '--out', p('out.txt')],
    names: 'out.txt',
  },
  {
    name: 'an option value with escape codes',
    args: () => detect(FACE_PHOTO, '--detector', '\x1b]0;pwned\x07'),
    names: '\\x1b]0;pwned\\x07',
  },

  // Index databases.
  {
    name: 'index onto a file of garbage named x.sqlite',
    args: () => ['index', photos, '--db', garbageDb, '--model', model],
    names: /x\.sqlite: .*not an SQLite database/,
    db: () => garbageDb,
  },
  {
    name: 'index with a NaN model onto a real database',
    args: async () => ['index', photos, '--db', db, '--model', await nanModel('nan-index')],
    names: /\/nan-index: the model's weight/,
    db: () => db,
  },
  {
    name: 'index of a missing folder onto a real database',
    args: () => ['index', p('no-such-folder'), '--db', db, '--model', model],
    names: 'no-such-folder',
    db: () => db,
  },
  {
    name: 'index with --max-faces 1.5',
    args: () => ['index', photos, '--db', db, '--model', model, '--max-faces', '1.5'],
    names: '--max-faces 1.5',
    db: () => db,
  },
  {
    name: 'index onto a folder as the database',
    args: () => ['index', photos, '--db', p('folder.jpg'), '--model', model],
    names: 'folder.jpg',
  },
];

/** `PRAGMA integrity_check` of a real SQLite database. */
function integrity(path: string): string {
  const d = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return d.pragma('integrity_check', { simple: true }) as string;
  } finally {
    d.close();
  }
}

const isSqlite = (path: string) =>
  existsSync(path) && readFileSync(path).subarray(0, 16).toString('latin1') === 'SQLite format 3\0';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\x9b]/;

test('the hostile-input table has at least 30 rows', () => {
  assert.ok(rows.length >= 30, `${rows.length} rows`);
});

// Two at a time: most rows are a CLI start and a refusal, a few load the model.
describe('hostile input', { concurrency: 2 }, () => {
  for (const row of rows) {
    it(row.name, { skip: row.skip ?? false }, async () => {
      const args = await row.args();
      const r = await runCli(args);
      const what = `${args.join(' ')}\n--- stdout:\n${r.stdout}--- stderr:\n${r.stderr}`;
      assert.equal(r.signal, null, what);
      assert.notEqual(r.code, 0, what);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line on stderr: ${what}`);
      const line = lines[0];
      assert.match(line, /^exprsim: /, what);
      if (typeof row.names === 'string')
        assert.ok(line.includes(row.names), `names ${row.names}: ${what}`);
      else assert.match(line, row.names, what);
      assert.match(
        line,
        /\(.*\b(pass|use|check|run|restore|retrain|copy|get|re-|downscale|make|point|save|name|look)\b.*\)$/,
        `a fix: ${what}`,
      );
      assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m, `no stack trace: ${what}`);
      assert.doesNotMatch(r.stderr, RAW_CONTROL, `no raw control characters: ${what}`);
      assert.doesNotMatch(r.stdout, RAW_CONTROL, `no raw control characters: ${what}`);
      if (row.db !== undefined) {
        const path = row.db();
        if (path === garbageDb)
          assert.deepEqual(await readFile(path), garbageBytes, 'left untouched');
        else {
          assert.ok(isSqlite(path), `${path} is a database`);
          assert.equal(integrity(path), 'ok');
        }
      }
    });
  }
});

// `exprsim index`, `search`, `similar` and `odd-one-out` as a user runs them: JSON output, bad
// input, an indexer killed halfway (SIGKILL) and rerun, two indexers on one database, Ctrl-C.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFile,
  chmod,
  chown,
  cp,
  link,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { saveTestModel, writeFacePhotos } from './fixtures/search/model.js';
import { IS_ROOT, openUpTo, UNPRIVILEGED } from './fixtures/unprivileged.js';
import { openStore } from '../src/search/open-store.js';
import { runCli, spawnCli, type CliProcess } from './helpers.js';

let work: string;
let model: string;
let photos: string;
let files: string[];
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'exprsim-search-cli-'));
  model = await saveTestModel(join(work, 'model'));
  photos = join(work, 'photos');
  files = await writeFacePhotos(photos, 5);
  await writeFile(join(photos, 'broken.jpg'), 'not an image');
});
after(() => rm(work, { recursive: true, force: true }));

interface SearchJson {
  model: string;
  query: { file: string; faces: number; face: number };
  results: { rank: number; path: string; faceId: number; distance: number }[];
}

/** Photos committed so far, read as a concurrent reader would (0 while the file is being made). */
function committed(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return d.prepare('SELECT count(*) FROM photos').pluck().get() as number;
    } finally {
      d.close();
    }
  } catch {
    return 0;
  }
}

async function waitFor(
  cond: () => boolean,
  what: string,
  p: CliProcess,
  ms = 60_000,
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (p.child.exitCode !== null) throw new Error(`${what}: the indexer exited first: ${p.err()}`);
    if (Date.now() - t0 > ms) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('index → search (twice, same ranking) → similar → odd-one-out, all --json', async () => {
  const db = join(work, 'faces.sqlite');
  const idx = await runCli(['--json', 'index', photos, '--db', db, '--model', model]);
  assert.equal(idx.code, 0, idx.stderr);
  const s = JSON.parse(idx.stdout) as Record<string, unknown>;
  assert.equal(s.added, 6);
  assert.equal(s.faces, 5);
  assert.equal(s.failed, 1);
  assert.match(JSON.stringify(s.failures), /broken\.jpg.*not an image/);
  assert.equal((s.total as { photos: number }).photos, 6);

  const runs: SearchJson[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['--json', 'search', files[3], '--db', db, '--model', model, '-k', '5']);
    assert.equal(r.code, 0, r.stderr);
    runs.push(JSON.parse(r.stdout) as SearchJson);
  }
  assert.deepEqual(runs[0].results, runs[1].results, 'stable ranking');
  assert.equal(runs[0].results.length, 5);
  assert.equal(runs[0].results[0].path, 'face-3.jpg');
  assert.ok(runs[0].results[0].distance < 1e-4);
  assert.deepEqual(
    runs[0].results.map((x) => x.rank),
    [1, 2, 3, 4, 5],
  );
  assert.equal(runs[0].model, s.model);

  const sim = await runCli(['--json', 'similar', files[0], files[1], '--model', model, '--db', db]);
  assert.equal(sim.code, 0, sim.stderr);
  const c = JSON.parse(sim.stdout) as {
    distance: number;
    percentile: null;
    calibration: { source: string; reason: string };
  };
  assert.ok(c.distance > 0 && c.distance < 2);
  assert.equal(c.percentile, null);
  assert.match(c.calibration.reason, /5 faces.*at least 50/);

  // With a calibration file in the model folder, the percentile is reported.
  const calibrated = join(work, 'model-cal');
  await saveTestModel(calibrated);
  await writeFile(
    join(calibrated, 'calibration.json'),
    JSON.stringify({ randomPairDistances: [0, 0.5, 1, 1.5, 2] }),
  );
  const sim2 = await runCli(['similar', files[0], files[0], '--model', calibrated]);
  assert.equal(sim2.code, 0, sim2.stderr);
  assert.match(sim2.stdout, /distance: +0\.0000/);
  assert.match(sim2.stdout, /more alike than 100\.0% of random face pairs/);

  const odd = await runCli([
    '--json',
    'odd-one-out',
    files[0],
    files[1],
    files[4],
    '--model',
    model,
  ]);
  assert.equal(odd.code, 0, odd.stderr);
  const o = JSON.parse(odd.stdout) as {
    odd: number;
    pair: number[];
    distances: { ab: number; ac: number; bc: number };
  };
  const d = o.distances;
  const closest = Math.min(d.ab, d.ac, d.bc);
  assert.equal(o.odd, closest === d.ab ? 2 : closest === d.ac ? 1 : 0);
});

test('bad input: one clear line and exit 1', async () => {
  const db = join(work, 'errors.sqlite');
  const cases: [string[], RegExp, Record<string, string>?][] = [
    [
      ['search', join(photos, 'broken.jpg'), '--db', join(work, 'faces.sqlite'), '--model', model],
      /broken\.jpg: not an image/,
    ],
    [
      ['search', files[0], '--db', join(work, 'faces.sqlite'), '--model', model, '--face', '3'],
      /face 3 does not exist: the image has 1 face/,
    ],
    [
      ['search', files[0], '--db', join(work, 'nothing.sqlite'), '--model', model],
      /nothing\.sqlite: no face index here/,
    ],
    [
      ['search', files[0], '--db', 'mysql://host/db', '--model', model],
      /unknown face store "mysql:\/\/".*postgres:\/\//,
    ],
    [
      ['search', files[0], '--db', files[0], '--model', model],
      /not an SQLite database|not a database|file is not a database/i,
    ],
    [
      ['index', work, '--db', join(work, 'faces.sqlite'), '--model', model],
      /outside the folder this database indexes/,
    ],
    [
      ['index', join(work, 'missing'), '--db', db, '--model', model],
      /missing: no such photo folder/,
    ],
    [
      ['search', files[0], '--db', db],
      /default expression model is not installed/,
      { EXPRSIM_MODEL_DIR: join(work, 'no-models') },
    ],
    [
      ['index', photos, '--db', db, '--model', model, '--detector', 'yolo'],
      /unknown detector "yolo"/,
    ],
  ];
  for (const [args, want, env] of cases) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('an indexer killed halfway (SIGKILL): the rerun continues, nothing twice, database intact', async () => {
  const dir = join(work, 'many');
  await writeFacePhotos(dir, 24, 'kill');
  const db = join(work, 'kill.sqlite');
  const p = spawnCli(['--json', 'index', dir, '--db', db, '--model', model]);
  await waitFor(() => committed(db) >= 2, 'first photos', p);
  p.child.kill('SIGKILL');
  const r1 = await p.exited;
  assert.equal(r1.signal, 'SIGKILL');
  const done = committed(db);
  assert.ok(done >= 2 && done < 24, `killed halfway: ${done} of 24 committed`);

  const rerun = await runCli(['--json', 'index', dir, '--db', db, '--model', model]);
  assert.equal(rerun.code, 0, rerun.stderr);
  const s = JSON.parse(rerun.stdout) as { added: number; unchanged: number; changed: number };
  assert.ok(
    s.unchanged >= done && s.unchanged <= done + 1,
    `${s.unchanged} unchanged, ${done} seen`,
  );
  assert.equal(s.added + s.unchanged, 24);
  assert.equal(s.changed, 0);

  const d = new Database(db, { readonly: true });
  try {
    assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(d.pragma('foreign_key_check'), []);
    assert.equal(d.prepare('SELECT count(*) FROM photos').pluck().get(), 24);
    assert.equal(d.prepare('SELECT count(DISTINCT path) FROM photos').pluck().get(), 24);
    const ok = d.prepare("SELECT count(*) FROM photos WHERE status = 'ok'").pluck().get() as number;
    assert.ok(ok >= 12, `${ok} photos with a face`);
    // Faces belong to contents: photos with the same bytes (the fixture repeats a few) share one.
    const contents = d
      .prepare("SELECT count(DISTINCT hash) FROM photos WHERE status = 'ok'")
      .pluck()
      .get() as number;
    assert.equal(d.prepare('SELECT count(*) FROM faces').pluck().get(), contents, 'one face each');
    assert.equal(
      d
        .prepare(
          "SELECT count(*) FROM photos WHERE status = 'ok' AND hash NOT IN (SELECT hash FROM faces)",
        )
        .pluck()
        .get(),
      0,
    );
  } finally {
    d.close();
  }
});

test('two indexers on one database: the second is refused naming the first; Ctrl-C stops cleanly', async () => {
  const dir = join(work, 'many'); // made by the previous test, or now
  if (!existsSync(dir)) await writeFacePhotos(dir, 24, 'kill');
  const db = join(work, 'twice.sqlite');
  const first = spawnCli(['--json', 'index', dir, '--db', db, '--model', model]);
  await waitFor(() => committed(db) >= 1, 'first photo', first);
  // Paused while the second one starts (a fast machine indexes 24 photos before a second CLI is
  // up): it keeps its lock, as any writer does, busy or not.
  first.child.kill('SIGSTOP');
  try {
    const second = await runCli(['index', dir, '--db', db, '--model', model]);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`twice\\.sqlite: the database is being written by process ${first.child.pid}\\b`),
    );
  } finally {
    first.child.kill('SIGCONT');
  }
  first.child.kill('SIGINT');
  const r = await first.exited;
  assert.equal(r.code, 130, r.stderr);
  const s = JSON.parse(r.stdout) as { interrupted: boolean; added: number };
  assert.equal(s.interrupted, true);
  assert.ok(s.added < 24);
  assert.equal(committed(db), s.added, 'every photo reported was committed');
  // The lock went with the process.
  const after = await runCli(['--json', 'index', dir, '--db', db, '--model', model]);
  assert.equal(after.code, 0, after.stderr);
});

test('another name for a database being written does not get past its lock', async () => {
  const db = join(work, 'locked.sqlite');
  // The writer: this test process, holding the lock while the CLI tries the other names.
  const writer = await openStore(db, { root: photos });
  try {
    const viaLinks = join(work, 'locked-links');
    await mkdir(viaLinks);
    await symlink(db, join(viaLinks, 'symlinked.sqlite'));
    await symlink(work, join(viaLinks, 'folder'));
    const held = `the database is being written by process ${process.pid}\\b`;
    const cases: [string, RegExp, (() => Promise<void>)?][] = [
      [join(viaLinks, 'symlinked.sqlite'), new RegExp(`symlinked\\.sqlite: ${held}`)],
      [join(viaLinks, 'folder', 'locked.sqlite'), new RegExp(held)],
      [
        join(viaLinks, 'hard.sqlite'),
        /hard\.sqlite: the database file has 2 hard links.*one name only/,
        () => link(db, join(viaLinks, 'hard.sqlite')),
      ],
    ];
    for (const [other, want, before] of cases) {
      await before?.();
      const r = await runCli(['index', photos, '--db', other, '--model', model]);
      assert.equal(r.code, 1, `${other}: ${r.stdout}`);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    await rm(join(viaLinks, 'hard.sqlite'));
  } finally {
    await writer.close();
  }
  assert.equal(committed(db), 0, 'none of them wrote');
});

test('as an ordinary user: unreadable folders and files are reported and kept, names escaped; a read-only index is searched', async () => {
  const dir = join(work, 'user-photos');
  const shots = await writeFacePhotos(dir, 3, 'top');
  await writeFacePhotos(join(dir, 'sub'), 2, 'inner');
  const evil = 'evil-\x1b]0;owned\x07\x1b[2J.jpg';
  await writeFile(join(dir, evil), 'not an image');
  const dbDir = join(work, 'user-db');
  await mkdir(dbDir);
  if (IS_ROOT) await chown(dbDir, UNPRIVILEGED.uid!, UNPRIVILEGED.gid!);
  await openUpTo(work, dbDir);
  const db = join(dbDir, 'faces.sqlite');
  const as = { ...UNPRIVILEGED };
  const first = await runCli(['index', dir, '--db', db, '--model', model], as);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /6 added.*1 failed/);
  // The hostile name is shown escaped: no escape code reaches the terminal.
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(first.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control characters');
  assert.ok(
    first.stdout.includes('  evil-\\x1b]0;owned\\x07\\x1b[2J.jpg: not an image'),
    first.stdout,
  );

  // A subfolder and a photo this user can no longer read.
  await chmod(join(dir, 'sub'), 0o000);
  await chmod(shots[1], 0o000);
  try {
    const second = await runCli(['index', dir, '--db', db, '--model', model], as);
    assert.equal(second.code, 0, second.stderr);
    const out = second.stdout;
    assert.match(out, /0 removed.*2 failed/);
    assert.match(out, /the index now holds 3 faces in 6 photos/, 'nothing pruned');
    assert.match(
      out,
      /\n {2}sub: cannot read the folder: EACCES: permission denied \(.*chmod u\+rx/,
    );
    assert.match(
      out,
      /\n {2}top-1\.jpg: cannot read the file: EACCES: permission denied \(kept its record from the last run\)/,
    );
  } finally {
    await chmod(join(dir, 'sub'), 0o755);
    await chmod(shots[1], 0o644);
  }

  // The index on read-only media (here: a folder and file this user cannot write).
  await chmod(db, 0o444);
  await chmod(dbDir, 0o555);
  try {
    const r = await runCli(['--json', 'search', shots[2], '--db', db, '--model', model], as);
    assert.equal(r.code, 0, r.stderr);
    const found = JSON.parse(r.stdout) as SearchJson;
    assert.equal(found.results[0].path, 'top-2.jpg');
    // Five photos with a face, three contents (the fixture repeats two): three faces.
    assert.equal(found.results.length, 3, 'every indexed face, the unreadable ones included');
  } finally {
    await chmod(dbDir, 0o755);
    await chmod(db, 0o644);
  }
});

/** A copy of the test model with `damage` done to it. */
async function damagedModel(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(work, name);
  await cp(model, dir, { recursive: true });
  await damage(dir);
  return dir;
}

test('a damaged or wrong model: embed, similar and index stop in one line naming it, exit 1', async () => {
  const nan = await damagedModel('model-nan', async (d) => {
    const n = (await stat(join(d, 'weights.bin'))).size / 4;
    await writeFile(join(d, 'weights.bin'), new Uint8Array(new Float32Array(n).fill(NaN).buffer));
  });
  const outside = await damagedModel('model-outside', async (d) => {
    const json = JSON.parse(await readFile(join(d, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    json.weightsManifest[0].paths = ['../../../../../../../../etc/passwd'];
    await writeFile(join(d, 'model.json'), JSON.stringify(json));
  });
  const size = (await stat(join(model, 'weights.bin'))).size;
  const long = await damagedModel('model-long', (d) => appendFile(join(d, 'weights.bin'), 'xx'));
  const db = join(work, 'damaged.sqlite');
  const out = join(work, 'damaged.jsonl');
  const runs = (m: string) => [
    ['embed', files[0], '--model', m, '--out', out],
    ['similar', files[0], files[1], '--model', m],
    ['index', photos, '--db', db, '--model', m],
  ];
  const cases: [string[], RegExp][] = [
    ...runs(nan).map((a): [string[], RegExp] => [
      a,
      new RegExp(`^exprsim: ${nan}: the model's weight \\S+ holds NaN .*retrain the model\\)$`),
    ]),
    ...runs(outside).map((a): [string[], RegExp] => [
      a,
      /^exprsim: \/etc\/passwd: a weight file listed in model\.json is outside the model folder .*model-outside/,
    ]),
    [
      runs(long)[1],
      new RegExp(
        `${long}: weights are too long: weights.bin holds ${size + 2} bytes, model.json needs ${size}`,
      ),
    ],
    [
      runs(work)[0],
      /^exprsim: \S+: `--model` is not a model folder: it has no model\.json \(a model folder holds model\.json and weights\.bin.*models\/exprsim-default/,
    ],
    [runs(files[0])[1], /`--model` is a file, not a model folder/],
    [runs(join(work, 'nowhere'))[2], /nowhere: `--model` names no file or folder/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), want, args.join(' '));
    assert.doesNotMatch(r.stdout, /NaN/);
  }
  assert.equal(existsSync(out), false, 'no embeddings written from a bad model');
});

test('embed: nothing embedded exits 1 and writes nothing; a partial run exits 0 listing the skipped', async () => {
  const out = join(work, 'none.jsonl');
  const grey = join(work, 'grey.png');
  await sharp({ create: { width: 96, height: 96, channels: 3, background: '#808080' } })
    .png()
    .toFile(grey);
  const none = await runCli([
    'embed',
    join(photos, 'broken.jpg'),
    grey,
    '--model',
    model,
    '--out',
    out,
  ]);
  assert.equal(none.code, 1, none.stderr);
  assert.match(
    none.stderr,
    /no face embedded: 1 of 2 unreadable \(first: .*broken\.jpg: not an image.*\), 1 of 2 without a face; .*none\.jsonl not written/,
  );
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
  assert.equal(existsSync(out), false);
  const noFace = await runCli(['embed', grey, '--model', model, '--out', out]);
  assert.equal(noFace.code, 1);
  assert.match(noFace.stderr, /without a face.*`--no-detect` for images that are face crops/);
  const some = await runCli(['embed', files[0], grey, '--model', model, '--out', out]);
  assert.equal(some.code, 0, some.stderr);
  assert.match(some.stdout, /1 face from 2 files.*\nno face found in 1:/);
  assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 1);
  // The help says --out is required.
  const help = await runCli(['embed', '--help']);
  assert.match(help.stdout, /--out <file> .*\(required\)/);
});

test('odd-one-out of one photo three times: no odd one out, `tie` in the JSON', async () => {
  const text = await runCli(['odd-one-out', files[0], files[0], files[0], '--model', model]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^no odd one out: .*tie/);
  assert.doesNotMatch(text.stdout, /^odd one out:/m);
  const json = await runCli([
    '--json',
    'odd-one-out',
    files[0],
    files[0],
    files[0],
    '--model',
    model,
  ]);
  assert.equal((JSON.parse(json.stdout) as { tie: boolean }).tie, true);
  assert.match(json.stderr, /warning: no odd one out/);
  const clear = await runCli([
    '--json',
    'odd-one-out',
    files[0],
    files[1],
    files[3],
    '--model',
    model,
  ]);
  assert.equal((JSON.parse(clear.stdout) as { tie: boolean }).tie, false);
});

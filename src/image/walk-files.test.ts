import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  IS_ROOT,
  openUpTo,
  removeTree,
  runUnprivileged,
  sourceUrl,
  tooLongFolder,
} from '../../test/fixtures/unprivileged.js';
import { isExprsimError } from '../core/errors.js';
import { collectImageFiles, listFolder, walkImageFiles } from './walk-files.js';

const base = await mkdtemp(join(tmpdir(), 'exprsim-walk-'));
after(() => removeTree(base));

// root/
//   b.png  a.JPG  notes.txt  .hidden.png  .git/x.png
//   sub/c.webp  sub/deeper/d.jpeg
//   link-in.png -> sub/c.webp   link-out.png -> ../elsewhere/e.png   broken.png -> missing
//   linked-dir -> sub
const root = join(base, 'root');
const elsewhere = join(base, 'elsewhere');
for (const d of [join(root, 'sub', 'deeper'), join(root, '.git'), elsewhere]) {
  await mkdir(d, { recursive: true });
}
for (const f of [
  'b.png',
  'a.JPG',
  'notes.txt',
  '.hidden.png',
  '.git/x.png',
  'sub/c.webp',
  'sub/deeper/d.jpeg',
]) {
  await writeFile(join(root, f), 'x');
}
await writeFile(join(elsewhere, 'e.png'), 'x');
await symlink(join(root, 'sub', 'c.webp'), join(root, 'link-in.png'));
await symlink(join(elsewhere, 'e.png'), join(root, 'link-out.png'));
await symlink(join(root, 'missing.png'), join(root, 'broken.png'));
await symlink(join(root, 'sub'), join(root, 'linked-dir'));
await symlink('loop-b.png', join(root, 'loop-a.png'));
await symlink('loop-a.png', join(root, 'loop-b.png'));

const rel = (files: string[]) => files.map((f) => relative(root, f));

test('walkImageFiles: image files by extension, name order per folder, hidden and symlinks skipped', async () => {
  const w = await walkImageFiles(root);
  assert.deepEqual(rel(w.files), ['a.JPG', 'b.png', 'sub/c.webp', 'sub/deeper/d.jpeg']);
  assert.deepEqual(w.outside, []);
});

test('walkImageFiles: followSymlink follows the links it accepts and reports the others', async () => {
  const w = await walkImageFiles(root, {
    followSymlink: (t) => !relative(root, t).startsWith('..'),
  });
  assert.deepEqual(rel(w.files), [
    'a.JPG',
    'b.png',
    'link-in.png',
    'sub/c.webp',
    'sub/deeper/d.jpeg',
  ]);
  assert.deepEqual(rel(w.outside), ['link-out.png']);
  // Links to nothing are not skipped in silence: each is reported with the reason.
  assert.deepEqual(
    w.failed.map((f) => [relative(root, f.path), f.kind]),
    [
      ['broken.png', 'symlink'],
      ['loop-a.png', 'symlink'],
      ['loop-b.png', 'symlink'],
    ],
  );
  assert.match(w.failed[0].error, /broken symlink \(to .*missing\.png\).*does not exist/);
  assert.match(w.failed[1].error, /symlink loop/);
});

test('walkImageFiles: an unreadable subfolder throws E_IO naming it, or is reported and skipped', async () => {
  const top = join(base, 'deep');
  await mkdir(join(top, 'a'), { recursive: true });
  await writeFile(join(top, 'a', 'x.jpg'), 'x');
  await writeFile(join(top, 'z.jpg'), 'x');
  tooLongFolder(join(top, 'a'));
  await assert.rejects(walkImageFiles(top), (e) => {
    assert.ok(isExprsimError(e));
    assert.equal(e.code, 'E_IO');
    assert.match(e.message, /cannot read the folder: ENAMETOOLONG/);
    assert.match(e.fix ?? '', /shallower folder/);
    return true;
  });
  const w = await walkImageFiles(top, { unreadable: 'report' });
  assert.deepEqual(
    w.files.map((f) => relative(top, f)),
    ['a/x.jpg', 'z.jpg'],
    'the files before and after it are still found',
  );
  assert.equal(w.failed.length, 1);
  assert.equal(w.failed[0].kind, 'folder');
  assert.ok(w.failed[0].path.length > 4096 && w.failed[0].path.startsWith(join(top, 'a')));
  assert.match(w.failed[0].error, /ENAMETOOLONG/);
  // The folder walked itself cannot be skipped: it throws either way.
  await assert.rejects(walkImageFiles(join(top, 'missing'), { unreadable: 'report' }), {
    code: 'E_IO',
  });
});

test('walkImageFiles: a folder without read permission (EACCES) is reported, as an ordinary user', async () => {
  const top = join(base, 'perm');
  await mkdir(join(top, 'locked'), { recursive: true });
  await mkdir(join(top, 'open'), { recursive: true });
  await writeFile(join(top, 'locked', 'secret.jpg'), 'x');
  await writeFile(join(top, 'open', 'y.jpg'), 'x');
  await openUpTo(base, join(top, 'open'));
  await chmod(join(top, 'locked'), 0o000);
  try {
    const script = `
      const { walkImageFiles } = await import(${JSON.stringify(sourceUrl('src/image/walk-files.ts'))});
      const w = await walkImageFiles(process.argv[1], { unreadable: 'report' });
      process.stdout.write(JSON.stringify(w));
    `;
    const r = await runUnprivileged(script, [top]);
    assert.equal(r.code, 0, `${IS_ROOT ? 'as nobody: ' : ''}${r.stderr}`);
    const w = JSON.parse(r.stdout) as {
      files: string[];
      failed: { path: string; error: string }[];
    };
    assert.deepEqual(w.files, [join(top, 'open', 'y.jpg')]);
    assert.deepEqual(
      w.failed.map((f) => f.path),
      [join(top, 'locked')],
    );
    assert.match(w.failed[0].error, /EACCES.*chmod u\+rx/);
  } finally {
    await chmod(join(top, 'locked'), 0o755);
  }
});

test('listFolder: one level, visible folders and files of any extension, sorted', async () => {
  assert.deepEqual(await listFolder(root), {
    dirs: ['sub'],
    files: ['a.JPG', 'b.png', 'notes.txt'],
  });
});

test('collectImageFiles: files as given, folders walked, a missing path is E_FILE_NOT_FOUND', async () => {
  const files = await collectImageFiles([join(root, 'notes.txt'), join(root, 'sub')]);
  assert.deepEqual(rel(files), ['notes.txt', 'sub/c.webp', 'sub/deeper/d.jpeg']);
  await assert.rejects(collectImageFiles([join(root, 'nope')]), (e) => {
    assert.ok(isExprsimError(e));
    assert.equal(e.code, 'E_FILE_NOT_FOUND');
    assert.equal(e.input, join(root, 'nope'));
    return true;
  });
});

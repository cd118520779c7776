import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isExprsimError } from '../core/errors.js';
import { collectImageFiles, listFolder, walkImageFiles } from './walk-files.js';

const base = await mkdtemp(join(tmpdir(), 'exprsim-walk-'));
after(() => rm(base, { recursive: true, force: true }));

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
  assert.deepEqual(rel(w.outside), ['link-out.png'], 'the broken link is neither');
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

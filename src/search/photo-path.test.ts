import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isInside, photoFile, reconcileRoot, toFolderPath, toPhotoPath } from './photo-path.js';

const root = '/data/photos';

test('toPhotoPath: relative to the root with / separators; absolute paths under the root', () => {
  assert.equal(toPhotoPath(root, 'a.jpg'), 'a.jpg');
  assert.equal(toPhotoPath(root, 'x/y/../b.jpg'), 'x/b.jpg');
  assert.equal(toPhotoPath(root, '/data/photos/2024/c.png'), '2024/c.png');
  assert.equal(toPhotoPath(root, './d..e.jpg'), 'd..e.jpg');
  assert.equal(photoFile(root, '2024/c.png'), join(root, '2024', 'c.png'));
});

test('paths that leave the root are E_OUTSIDE_ROOT', () => {
  for (const p of [
    '../a.jpg',
    '/data/other/a.jpg',
    '/data/photos-2/a.jpg',
    'x/../../a.jpg',
    '/etc/passwd',
    '.',
  ]) {
    assert.throws(() => toPhotoPath(root, p), { code: 'E_OUTSIDE_ROOT' }, p);
  }
  assert.throws(() => photoFile(root, '../../etc/passwd'), { code: 'E_OUTSIDE_ROOT' });
  assert.throws(() => toFolderPath(root, '..'), { code: 'E_OUTSIDE_ROOT' });
  assert.throws(() => toPhotoPath(root, ''), { code: 'E_BAD_OPTION' });
  assert.throws(() => toPhotoPath(root, 'a\0.jpg'), { code: 'E_BAD_OPTION' });
  assert.equal(toFolderPath(root, 'x/'), 'x');
  assert.equal(toFolderPath(root, undefined), '');
  assert.ok(isInside(root, root) && isInside(root, '/data/photos/a') && !isInside(root, '/data'));
});

test('reconcileRoot: stored wins; a folder inside it is fine; another is E_OUTSIDE_ROOT', () => {
  assert.deepEqual(reconcileRoot(undefined, root, 'db'), { root, isNew: true });
  assert.deepEqual(reconcileRoot(root, undefined, 'db'), { root, isNew: false });
  assert.deepEqual(reconcileRoot(root, `${root}/2024`, 'db'), { root, isNew: false });
  assert.throws(() => reconcileRoot(root, '/data', 'db'), { code: 'E_OUTSIDE_ROOT', input: 'db' });
  assert.throws(() => reconcileRoot(undefined, undefined, 'db'), { code: 'E_STORE' });
});

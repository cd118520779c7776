import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadImageFolder } from './image-folder.js';

async function withFiles(files: string[], fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-folder-'));
  try {
    for (const f of files) {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      if (!f.endsWith('/')) await writeFile(join(dir, f), 'x');
    }
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('root/<label>/* with non-image and stray files skipped and counted', async () => {
  await withFiles(
    [
      'happy/1.jpg',
      'happy/2.PNG',
      'happy/notes.txt',
      'sad/3.webp',
      'sad/.DS_Store',
      'README.md',
      'sad/deeper/4.jpg',
    ],
    async (dir) => {
      const ds = await loadImageFolder(dir);
      assert.deepEqual(
        ds.images.map((i) => [i.key, i.label]),
        [
          ['happy/1.jpg', 'happy'],
          ['happy/2.PNG', 'happy'],
          ['sad/3.webp', 'sad'],
        ],
      );
      assert.equal(ds.hasSplits, false);
      assert.deepEqual(ds.skipped.first.map((s) => s.item).sort(), [
        'README.md',
        'happy/notes.txt',
        'sad/deeper/',
      ]);
    },
  );
});

test('root/<split>/<label>/* is recognised when every top folder is a split name', async () => {
  await withFiles(
    [
      'Training/happy/1.jpg',
      'Training/sad/2.jpg',
      'PublicTest/happy/3.jpg',
      'PrivateTest/sad/4.jpg',
    ],
    async (dir) => {
      const ds = await loadImageFolder(dir);
      assert.equal(ds.hasSplits, true);
      assert.deepEqual(
        ds.images.map((i) => [i.key, i.label, i.split]),
        [
          ['PrivateTest/sad/4.jpg', 'sad', 'test'],
          ['PublicTest/happy/3.jpg', 'happy', 'val'],
          ['Training/happy/1.jpg', 'happy', 'train'],
          ['Training/sad/2.jpg', 'sad', 'train'],
        ],
      );
    },
  );
});

test('a folder without images, or no folder, is a clear error', async () => {
  await withFiles(['happy/', 'sad/readme.txt'], async (dir) => {
    await assert.rejects(loadImageFolder(dir), {
      code: 'E_DATA_EMPTY',
      message: /no images found .* skipped 1 other/,
    });
  });
  await withFiles([], async (dir) => {
    await assert.rejects(loadImageFolder(join(dir, 'nope')), { code: 'E_FILE_NOT_FOUND' });
  });
});

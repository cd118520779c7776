import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  gradientGrey,
  gradientRgb,
  isError,
  makeTempDir,
  meanAbsDiff,
  removeDir,
} from '../../test/fixtures/images/helpers.js';
import { encodeImage, readImage, sniffImageFormat, writeImage, type RawImage } from './index.js';

describe('encodeImage / writeImage', () => {
  let dir: string;
  const W = 40;
  const H = 30;
  const rgb: RawImage = { data: gradientRgb(W, H), width: W, height: H, channels: 3 };
  const grey: RawImage = { data: gradientGrey(W, H), width: W, height: H, channels: 1 };

  before(async () => {
    dir = await makeTempDir();
  });
  after(async () => {
    await removeDir(dir);
  });

  it('PNG round-trips exactly, RGB and grey (grey stays a 1-channel PNG)', async () => {
    const png = await encodeImage(rgb, 'png');
    assert.equal(sniffImageFormat(png), 'png');
    assert.deepEqual(Array.from((await readImage(png)).data), Array.from(rgb.data));

    const greyPng = await encodeImage(grey, 'png');
    assert.equal((await sharp(greyPng).metadata()).channels, 1);
    const back = await readImage(greyPng, { channels: 1 });
    assert.deepEqual(Array.from(back.data), Array.from(grey.data));
  });

  it('JPEG and WebP round-trip within tolerance', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const bytes = await encodeImage(rgb, format, { quality: 95 });
      assert.equal(sniffImageFormat(bytes), format);
      const back = await readImage(bytes);
      assert.deepEqual([back.width, back.height, back.channels, back.format], [W, H, 3, format]);
      assert.ok(
        meanAbsDiff(back.data, rgb.data) < 4,
        `${format}: ${meanAbsDiff(back.data, rgb.data)}`,
      );

      const g = await readImage(await encodeImage(grey, format, { quality: 95 }), { channels: 1 });
      assert.ok(
        meanAbsDiff(g.data, grey.data) < 3,
        `${format} grey: ${meanAbsDiff(g.data, grey.data)}`,
      );
    }
    assert.equal(
      (await sharp(await encodeImage(grey, 'jpeg')).metadata()).channels,
      1,
      'grey JPEG',
    );
  });

  it('quality changes the size of lossy output', async () => {
    const noisy = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7919) % 251);
    const img: RawImage = { data: noisy, width: 64, height: 64, channels: 3 };
    const low = await encodeImage(img, 'jpeg', { quality: 10 });
    const high = await encodeImage(img, 'jpeg', { quality: 100 });
    assert.ok(low.length < high.length, `${low.length} vs ${high.length}`);
  });

  it('rejects bad input with E_BAD_OPTION', async () => {
    await assert.rejects(encodeImage(rgb, 'gif' as never), isError('E_BAD_OPTION'));
    await assert.rejects(encodeImage(rgb, 'jpeg', { quality: 0 }), isError('E_BAD_OPTION'));
    await assert.rejects(encodeImage(rgb, 'jpeg', { quality: 101 }), isError('E_BAD_OPTION'));
    await assert.rejects(encodeImage(rgb, 'jpeg', { quality: 50.5 }), isError('E_BAD_OPTION'));
    const short = { ...rgb, data: rgb.data.subarray(1) };
    await assert.rejects(encodeImage(short, 'png'), isError('E_BAD_OPTION'));
    await assert.rejects(
      encodeImage({ ...rgb, channels: 4 as never }, 'png'),
      isError('E_BAD_OPTION'),
    );
    await assert.rejects(encodeImage({ ...rgb, width: 0 }, 'png'), isError('E_BAD_OPTION'));
  });

  it('writeImage picks the format from the extension, any case', async () => {
    for (const [name, format] of [
      ['a.png', 'png'],
      ['b.JPG', 'jpeg'],
      ['c.jpeg', 'jpeg'],
      ['d.WebP', 'webp'],
    ] as const) {
      const path = join(dir, name);
      await writeImage(path, rgb);
      const back = await readImage(path);
      assert.equal(back.format, format, name);
      assert.deepEqual([back.width, back.height], [W, H]);
    }
    assert.deepEqual(
      Array.from((await readImage(join(dir, 'a.png'))).data),
      Array.from(rgb.data),
      'PNG written exactly',
    );
  });

  it('writeImage replaces an existing file and leaves no temporary files', async () => {
    const sub = join(dir, 'atomic');
    await mkdir(sub);
    const path = join(sub, 'out.png');
    await writeFile(path, 'old contents');
    await writeImage(path, grey);
    assert.deepEqual(await readdir(sub), ['out.png']);
    assert.deepEqual(
      Array.from((await readImage(path, { channels: 1 })).data),
      Array.from(grey.data),
    );
  });

  it('writeImage failures leave the target untouched and clean up the temporary file', async () => {
    const sub = join(dir, 'failing');
    await mkdir(sub);
    // bad image: fails before anything is written
    const keep = join(sub, 'keep.png');
    await writeFile(keep, 'old contents');
    await assert.rejects(writeImage(keep, { ...rgb, height: H + 1 }), isError('E_BAD_OPTION'));
    assert.equal(await readFile(keep, 'utf8'), 'old contents');
    // rename onto a directory fails after the temporary file was written
    const target = join(sub, 'is-a-dir.png');
    await mkdir(target);
    await assert.rejects(writeImage(target, rgb), isError('E_IO', target));
    assert.deepEqual((await readdir(sub)).sort(), ['is-a-dir.png', 'keep.png']);
  });

  it('writeImage errors: unknown extension, missing directory', async () => {
    const txt = join(dir, 'out.txt');
    await assert.rejects(writeImage(txt, rgb), isError('E_BAD_OPTION', txt));
    const noExt = join(dir, 'out');
    await assert.rejects(writeImage(noExt, rgb), isError('E_BAD_OPTION', noExt));
    const missing = join(dir, 'no-such-dir', 'out.png');
    await assert.rejects(writeImage(missing, rgb), isError('E_FILE_NOT_FOUND', missing));
  });
});

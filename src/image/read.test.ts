import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { isExprsimError, type ErrorCode } from '../core/errors.js';
import {
  craftPngHeader,
  encodeRaw,
  gradientGrey,
  gradientRgb,
  makeTempDir,
  maxAbsDiff,
  meanAbsDiff,
  removeDir,
  writeFixture,
} from '../../test/fixtures/images/helpers.js';
import { DEFAULT_MAX_PIXELS, readImage } from './index.js';

/** Asserts an ExprsimError with `code`, naming `input` and giving a fix. */
async function rejectsWith(
  p: Promise<unknown>,
  code: ErrorCode,
  input: string | undefined,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isExprsimError(e), `expected an ExprsimError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.toLine()}`);
    if (input !== undefined) {
      assert.equal(e.input, input);
      assert.ok(e.toLine().includes(input), e.toLine());
    }
    assert.ok(e.fix !== undefined && e.fix.length > 0, `no fix in: ${e.toLine()}`);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

describe('readImage', () => {
  let dir: string;
  const W = 32;
  const H = 24;
  const rgb = gradientRgb(W, H);

  before(async () => {
    dir = await makeTempDir();
  });
  after(async () => {
    await removeDir(dir);
  });

  describe('round trips', () => {
    it('decodes a PNG exactly', async () => {
      const path = await writeFixture(dir, 'rgb.png', await encodeRaw(rgb, W, H, 3, 'png'));
      const img = await readImage(path);
      assert.equal(img.width, W);
      assert.equal(img.height, H);
      assert.equal(img.channels, 3);
      assert.equal(img.format, 'png');
      assert.equal(img.source, path);
      assert.equal(img.data.length, W * H * 3);
      assert.deepEqual(Array.from(img.data), Array.from(rgb));
    });

    it('decodes a JPEG within tolerance', async () => {
      const path = await writeFixture(dir, 'rgb.jpg', await encodeRaw(rgb, W, H, 3, 'jpeg', 95));
      const img = await readImage(path);
      assert.equal(img.format, 'jpeg');
      assert.deepEqual([img.width, img.height, img.channels], [W, H, 3]);
      assert.ok(meanAbsDiff(img.data, rgb) < 3, `mean error ${meanAbsDiff(img.data, rgb)}`);
      assert.ok(maxAbsDiff(img.data, rgb) < 40, `max error ${maxAbsDiff(img.data, rgb)}`);
    });

    it('decodes a WebP within tolerance', async () => {
      const path = await writeFixture(dir, 'rgb.webp', await encodeRaw(rgb, W, H, 3, 'webp', 95));
      const img = await readImage(path);
      assert.equal(img.format, 'webp');
      assert.deepEqual([img.width, img.height, img.channels], [W, H, 3]);
      assert.ok(meanAbsDiff(img.data, rgb) < 4, `mean error ${meanAbsDiff(img.data, rgb)}`);
    });

    it('reads a Buffer and a plain Uint8Array the same as the file', async () => {
      const bytes = await encodeRaw(rgb, W, H, 3, 'png');
      const fromBuffer = await readImage(bytes);
      const fromU8 = await readImage(new Uint8Array(bytes));
      assert.equal(fromBuffer.source, '<buffer>');
      assert.equal(fromU8.source, '<buffer>');
      assert.deepEqual(Array.from(fromBuffer.data), Array.from(rgb));
      assert.deepEqual(Array.from(fromU8.data), Array.from(rgb));
    });

    it('returns a plain Uint8Array', async () => {
      const img = await readImage(await encodeRaw(rgb, W, H, 3, 'png'));
      assert.equal(Object.getPrototypeOf(img.data), Uint8Array.prototype);
    });
  });

  describe('channels', () => {
    it('reads RGB as grey with BT.601 luma', async () => {
      // red, green, blue, white, black, mid-grey
      const px = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128];
      const bytes = await encodeRaw(Uint8Array.from(px), 6, 1, 3, 'png');
      const img = await readImage(bytes, { channels: 1 });
      assert.equal(img.channels, 1);
      assert.deepEqual(Array.from(img.data), [76, 150, 29, 255, 0, 128]);
    });

    it('reads a grey PNG exactly as grey, and as RGB with equal channels', async () => {
      const grey = gradientGrey(W, H);
      const path = await writeFixture(dir, 'grey.png', await encodeRaw(grey, W, H, 1, 'png'));
      assert.equal((await sharp(path).metadata()).channels, 1, 'fixture should be a 1-channel PNG');
      const g = await readImage(path, { channels: 1 });
      assert.equal(g.channels, 1);
      assert.deepEqual(Array.from(g.data), Array.from(grey));
      const c = await readImage(path);
      assert.equal(c.channels, 3);
      for (let i = 0; i < W * H; i++) {
        assert.deepEqual(Array.from(c.data.subarray(i * 3, i * 3 + 3)), [
          grey[i],
          grey[i],
          grey[i],
        ]);
      }
    });

    it('reads a grey JPEG as grey', async () => {
      const grey = gradientGrey(W, H);
      const img = await readImage(await encodeRaw(grey, W, H, 1, 'jpeg', 95), { channels: 1 });
      assert.equal(img.channels, 1);
      assert.ok(meanAbsDiff(img.data, grey) < 2);
    });

    it('flattens alpha onto black', async () => {
      // opaque red, half-transparent green, fully transparent blue, transparent white
      const rgba = Uint8Array.from([
        255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 255, 255, 255, 0,
      ]);
      const img = await readImage(await encodeRaw(rgba, 2, 2, 4, 'png'));
      assert.equal(img.channels, 3);
      assert.deepEqual(Array.from(img.data), [255, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0]);
      // grey + alpha
      const ga = Uint8Array.from([200, 255, 200, 0, 100, 128, 0, 255]);
      const g = await readImage(await encodeRaw(ga, 2, 2, 2, 'png'), { channels: 1 });
      assert.deepEqual(Array.from(g.data), [200, 0, 50, 0]);
    });

    it('reduces a 16-bit PNG to 8 bits', async () => {
      const samples = Uint16Array.from([65535, 32896, 0, 257 * 200, 257 * 10, 257 * 99]);
      const png16 = await sharp(samples, { raw: { width: 2, height: 1, channels: 3 } })
        .toColourspace('rgb16')
        .png()
        .toBuffer();
      assert.equal((await sharp(png16).metadata()).depth, 'ushort', 'fixture should be 16-bit');
      const img = await readImage(png16);
      assert.deepEqual(Array.from(img.data), [255, 128, 0, 200, 10, 99]);
    });

    it('converts a CMYK JPEG to RGB', async () => {
      const cmyk = await sharp({
        create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 60 } },
      })
        .toColourspace('cmyk')
        .jpeg()
        .toBuffer();
      assert.equal((await sharp(cmyk).metadata()).space, 'cmyk', 'fixture should be CMYK');
      const img = await readImage(cmyk);
      assert.equal(img.channels, 3);
      const [r, g, b] = img.data;
      assert.ok(
        Math.abs(r - 200) < 12 && Math.abs(g - 30) < 25 && Math.abs(b - 60) < 25,
        `${r},${g},${b}`,
      );
    });
  });

  describe('EXIF orientation', () => {
    let path: string;
    before(async () => {
      // 40 wide, 20 high; the left half dark, the right half light. Orientation 6 = rotate 90° CW.
      const px = new Uint8Array(40 * 20 * 3);
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 40; x++)
          px.fill(x < 20 ? 20 : 230, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
      const bytes = await sharp(Buffer.from(px), { raw: { width: 40, height: 20, channels: 3 } })
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      path = await writeFixture(dir, 'orient6.jpg', bytes);
    });

    it('applies it by default: width and height swap', async () => {
      const img = await readImage(path);
      assert.deepEqual([img.width, img.height], [20, 40]);
      // rotated 90° clockwise, the dark left half becomes the top half
      assert.ok(img.data[(2 * 20 + 10) * 3] < 60, 'top should be dark');
      assert.ok(img.data[(37 * 20 + 10) * 3] > 190, 'bottom should be light');
    });

    it('keeps the stored orientation with autoOrient: false', async () => {
      const img = await readImage(path, { autoOrient: false });
      assert.deepEqual([img.width, img.height], [40, 20]);
    });
  });

  describe('errors', () => {
    it('missing file: E_FILE_NOT_FOUND naming the path', async () => {
      const path = join(dir, 'does-not-exist.png');
      await rejectsWith(readImage(path), 'E_FILE_NOT_FOUND', path);
      const nested = join(dir, 'no-such-dir', 'x.png');
      await rejectsWith(readImage(nested), 'E_FILE_NOT_FOUND', nested);
    });

    it('directory: E_IO', async () => {
      const sub = join(dir, 'a-directory.png');
      await mkdir(sub, { recursive: true });
      await rejectsWith(readImage(sub), 'E_IO', sub, /directory/);
    });

    it('empty file and empty buffer: E_NOT_AN_IMAGE', async () => {
      const path = await writeFixture(dir, 'empty.jpg', '');
      await rejectsWith(readImage(path), 'E_NOT_AN_IMAGE', path, /empty/);
      await rejectsWith(readImage(Buffer.alloc(0)), 'E_NOT_AN_IMAGE', '<buffer>', /empty/);
    });

    it('text file: E_NOT_AN_IMAGE listing the accepted formats', async () => {
      const path = await writeFixture(dir, 'notes.jpg', 'hello, this is not a picture\n');
      await rejectsWith(readImage(path), 'E_NOT_AN_IMAGE', path, /JPEG, PNG and WebP/);
      await rejectsWith(readImage(Buffer.from('xy')), 'E_NOT_AN_IMAGE', '<buffer>');
    });

    it('SVG, GIF and TIFF are refused by name, listing the accepted formats', async () => {
      const svg = await writeFixture(
        dir,
        'pic.svg',
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      );
      await rejectsWith(readImage(svg), 'E_NOT_AN_IMAGE', svg, /SVG.*JPEG, PNG and WebP/);
      const tiny = gradientRgb(4, 4);
      const gif = await writeFixture(dir, 'pic.gif', await encodeRaw(tiny, 4, 4, 3, 'gif'));
      await rejectsWith(readImage(gif), 'E_NOT_AN_IMAGE', gif, /GIF.*JPEG, PNG and WebP/);
      const tiff = await writeFixture(dir, 'pic.tiff', await encodeRaw(tiny, 4, 4, 3, 'tiff'));
      await rejectsWith(readImage(tiff), 'E_NOT_AN_IMAGE', tiff, /TIFF.*JPEG, PNG and WebP/);
      // the extension does not matter: a GIF named .png is still a GIF
      const disguised = await writeFixture(dir, 'gif-in-disguise.png', await readFile(gif));
      await rejectsWith(readImage(disguised), 'E_NOT_AN_IMAGE', disguised, /GIF/);
    });

    it('a JPEG cut in half is rejected, not grey-filled: E_IMAGE_DECODE', async () => {
      const full = await encodeRaw(gradientRgb(128, 96), 128, 96, 3, 'jpeg');
      const path = await writeFixture(dir, 'half.jpg', full.subarray(0, full.length >> 1));
      await rejectsWith(readImage(path), 'E_IMAGE_DECODE', path, /JPEG.*truncated or corrupt/);
      // even the most lenient level offered still catches truncation
      await rejectsWith(readImage(path, { failOn: 'truncated' }), 'E_IMAGE_DECODE', path);
      // losing only the last bytes (the EOI marker) counts as truncated too
      await rejectsWith(readImage(full.subarray(0, full.length - 2)), 'E_IMAGE_DECODE', '<buffer>');
    });

    it('truncated PNG and WebP: E_IMAGE_DECODE', async () => {
      const px = gradientRgb(128, 96);
      const png = await encodeRaw(px, 128, 96, 3, 'png');
      const pngPath = await writeFixture(dir, 'half.png', png.subarray(0, png.length >> 1));
      await rejectsWith(readImage(pngPath), 'E_IMAGE_DECODE', pngPath, /PNG/);
      const webp = await encodeRaw(px, 128, 96, 3, 'webp');
      const webpPath = await writeFixture(dir, 'half.webp', webp.subarray(0, webp.length >> 1));
      await rejectsWith(readImage(webpPath), 'E_IMAGE_DECODE', webpPath, /WebP/);
    });

    it('corrupt JPEG entropy data is rejected by default, accepted with failOn: truncated', async () => {
      const full = Buffer.from(await encodeRaw(gradientRgb(128, 96), 128, 96, 3, 'jpeg'));
      const mid = full.length >> 1;
      for (let i = mid; i < mid + 64; i++) full[i] ^= 0x5a;
      const path = await writeFixture(dir, 'corrupt.jpg', full);
      await rejectsWith(readImage(path), 'E_IMAGE_DECODE', path);
      const lenient = await readImage(path, { failOn: 'truncated' });
      assert.deepEqual([lenient.width, lenient.height], [128, 96]);
    });

    it('a 30000x30000 PNG header is refused quickly, before decoding: E_IMAGE_TOO_LARGE', async () => {
      const bomb = craftPngHeader(30000, 30000);
      assert.ok(bomb.length < 2000, `bomb is ${bomb.length} bytes`);
      const path = await writeFixture(dir, 'bomb.png', bomb);
      const t0 = performance.now();
      await rejectsWith(
        readImage(path),
        'E_IMAGE_TOO_LARGE',
        path,
        new RegExp(`30000x30000.*${DEFAULT_MAX_PIXELS}`),
      );
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `took ${ms} ms`);
      await assert.rejects(
        readImage(path),
        (e: unknown) => isExprsimError(e) && /maxPixels/.test(e.fix ?? ''),
      );
    });

    it('maxPixels applies to ordinary images too, and can be raised', async () => {
      const bytes = await encodeRaw(rgb, W, H, 3, 'png');
      await rejectsWith(
        readImage(bytes, { maxPixels: W * H - 1 }),
        'E_IMAGE_TOO_LARGE',
        '<buffer>',
        /32x24/,
      );
      const ok = await readImage(bytes, { maxPixels: W * H });
      assert.equal(ok.width, W);
      // a header within the limit whose data is missing fails to decode instead
      await rejectsWith(
        readImage(craftPngHeader(100, 100), { maxPixels: 100 * 100 }),
        'E_IMAGE_DECODE',
        '<buffer>',
      );
    });

    it('maxBytes is checked from the file size before reading', async () => {
      const bytes = await encodeRaw(rgb, W, H, 3, 'png');
      const path = await writeFixture(dir, 'bytes.png', bytes);
      await rejectsWith(
        readImage(path, { maxBytes: bytes.length - 1 }),
        'E_IMAGE_TOO_LARGE',
        path,
        /over the limit/,
      );
      await rejectsWith(readImage(bytes, { maxBytes: 10 }), 'E_IMAGE_TOO_LARGE', '<buffer>');
      assert.equal((await readImage(path, { maxBytes: bytes.length })).width, W);
    });

    it('bad options: E_BAD_OPTION', async () => {
      const bytes = await encodeRaw(rgb, W, H, 3, 'png');
      const bad: unknown[] = [
        { channels: 4 },
        { channels: 2 },
        { maxPixels: 0 },
        { maxPixels: 1.5 },
        { maxBytes: -1 },
        { failOn: 'none' },
        { autoOrient: 'yes' },
      ];
      for (const options of bad) {
        await rejectsWith(readImage(bytes, options as never), 'E_BAD_OPTION', undefined);
      }
      await rejectsWith(readImage(42 as never), 'E_BAD_OPTION', undefined);
      await rejectsWith(readImage(''), 'E_BAD_OPTION', undefined);
    });
  });
});

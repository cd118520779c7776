import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradientRgb, isError } from '../../test/fixtures/images/helpers.js';
import {
  convertChannels,
  cropImage,
  mirrorImage,
  padImage,
  resizeImage,
  type DecodedImage,
  type RawImage,
} from './index.js';

const badOption = isError('E_BAD_OPTION');

/** 4x3 grey image whose sample at (x, y) is 10 * y + x. */
const grey43: RawImage = {
  data: Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)),
  width: 4,
  height: 3,
  channels: 1,
};

describe('mirrorImage', () => {
  it('reverses each row of pixels, keeping each pixel’s channels in order', () => {
    const img: RawImage = {
      data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      width: 2,
      height: 2,
      channels: 3,
    };
    const out = mirrorImage(img);
    assert.deepEqual([...out.data], [4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9]);
    assert.deepEqual([...img.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'input untouched');
    // Grey: 4x3 with sample 10 * y + x, so the mirrored row y is 10y+3 … 10y.
    assert.deepEqual([...mirrorImage(grey43).data], [3, 2, 1, 0, 13, 12, 11, 10, 23, 22, 21, 20]);
    assert.deepEqual([...mirrorImage(mirrorImage(grey43)).data], [...grey43.data]);
  });
});

describe('padImage', () => {
  it('frames the pixels in black, by whole pixels on every side', () => {
    const img: RawImage = {
      data: Uint8Array.from([1, 2, 3, 4, 5, 6]),
      width: 2,
      height: 1,
      channels: 3,
    };
    const out = padImage(img, 1);
    assert.equal(out.width, 4);
    assert.equal(out.height, 3);
    assert.equal(out.channels, 3);
    // Row 1 holds the two pixels between black ones; rows 0 and 2 are black.
    const row1 = [0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0];
    assert.deepEqual([...out.data], [...new Array(12).fill(0), ...row1, ...new Array(12).fill(0)]);
    assert.equal(padImage(img, 0), img);
    assert.throws(() => padImage(img, 1.5), badOption);
    assert.throws(() => padImage(img, -1), badOption);
  });
});

describe('cropImage', () => {
  it('copies a pixel box', () => {
    const c = cropImage(grey43, { left: 1, top: 1, width: 2, height: 2 });
    assert.deepEqual([c.width, c.height, c.channels], [2, 2, 1]);
    assert.deepEqual(Array.from(c.data), [11, 12, 21, 22]);
  });

  it('copies RGB pixels whole', () => {
    const rgb: RawImage = { data: gradientRgb(5, 4), width: 5, height: 4, channels: 3 };
    const c = cropImage(rgb, { left: 2, top: 3, width: 2, height: 1 });
    assert.deepEqual(
      Array.from(c.data),
      Array.from(rgb.data.subarray((3 * 5 + 2) * 3, (3 * 5 + 4) * 3)),
    );
  });

  it('clamps the box to the image', () => {
    const c = cropImage(grey43, { left: -5, top: 2, width: 7, height: 10 });
    assert.deepEqual([c.width, c.height], [2, 1]);
    assert.deepEqual(Array.from(c.data), [20, 21]);
  });

  it('widens fractional edges outwards', () => {
    const c = cropImage(grey43, { left: 0.5, top: 0.2, width: 1.2, height: 0.5 });
    // x from floor(0.5)=0 to ceil(1.7)=2, y from 0 to ceil(0.7)=1
    assert.deepEqual([c.width, c.height], [2, 1]);
    assert.deepEqual(Array.from(c.data), [0, 1]);
  });

  it('keeps format and source', () => {
    const decoded: DecodedImage = { ...grey43, format: 'png', source: 'x.png' };
    const c = cropImage(decoded, { left: 0, top: 0, width: 1, height: 1 });
    assert.equal(c.format, 'png');
    assert.equal(c.source, 'x.png');
  });

  it('rejects a box outside the image or with bad numbers', () => {
    assert.throws(() => cropImage(grey43, { left: 4, top: 0, width: 2, height: 2 }), badOption);
    assert.throws(() => cropImage(grey43, { left: 0, top: 0, width: 0, height: 2 }), badOption);
    assert.throws(() => cropImage(grey43, { left: 0, top: 0, width: -1, height: 2 }), badOption);
    assert.throws(() => cropImage(grey43, { left: NaN, top: 0, width: 1, height: 1 }), badOption);
    assert.throws(() => cropImage(grey43, undefined as never), badOption);
  });
});

describe('resizeImage', () => {
  it('nearest upscales by repeating pixels (RGB)', async () => {
    const img: RawImage = {
      data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      width: 2,
      height: 2,
      channels: 3,
    };
    const r = await resizeImage(img, 4, 4, { kernel: 'nearest' });
    assert.deepEqual([r.width, r.height, r.channels], [4, 4, 3]);
    const px = (x: number, y: number) =>
      Array.from(r.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
    assert.deepEqual(px(0, 0), [1, 2, 3]);
    assert.deepEqual(px(1, 1), [1, 2, 3]);
    assert.deepEqual(px(3, 0), [4, 5, 6]);
    assert.deepEqual(px(0, 3), [7, 8, 9]);
    assert.deepEqual(px(3, 3), [10, 11, 12]);
  });

  it('keeps grey images 1-channel', async () => {
    const img: RawImage = {
      data: Uint8Array.from([0, 100, 200, 255]),
      width: 2,
      height: 2,
      channels: 1,
    };
    const r = await resizeImage(img, 4, 4, { kernel: 'nearest' });
    assert.equal(r.channels, 1);
    assert.deepEqual(
      Array.from(r.data),
      [0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 255, 255, 200, 200, 255, 255],
    );
  });

  it('resizing to the same size with any kernel is the identity', async () => {
    const img: RawImage = { data: gradientRgb(9, 7), width: 9, height: 7, channels: 3 };
    for (const kernel of ['nearest', 'linear', 'lanczos3'] as const) {
      const r = await resizeImage(img, 9, 7, { kernel });
      assert.deepEqual(Array.from(r.data), Array.from(img.data), kernel);
    }
  });

  it('downscales a flat image to the same flat colour (default kernel)', async () => {
    const data = new Uint8Array(60 * 40 * 3);
    for (let i = 0; i < data.length; i += 3) data.set([200, 100, 50], i);
    const r = await resizeImage({ data, width: 60, height: 40, channels: 3 }, 15, 10);
    assert.deepEqual([r.width, r.height], [15, 10]);
    for (let i = 0; i < r.data.length; i += 3)
      assert.deepEqual(Array.from(r.data.subarray(i, i + 3)), [200, 100, 50]);
  });

  it("fit 'contain' pads with black and 'cover' crops, both exactly width x height", async () => {
    const white: RawImage = {
      data: new Uint8Array(4 * 2).fill(255),
      width: 4,
      height: 2,
      channels: 1,
    };
    const contain = await resizeImage(white, 4, 4, { fit: 'contain', kernel: 'nearest' });
    assert.deepEqual([contain.width, contain.height], [4, 4]);
    assert.deepEqual(Array.from(contain.data.subarray(0, 4)), [0, 0, 0, 0], 'top row padded black');
    assert.deepEqual(
      Array.from(contain.data.subarray(4, 12)),
      [255, 255, 255, 255, 255, 255, 255, 255],
    );
    const cover = await resizeImage(white, 4, 4, { fit: 'cover', kernel: 'nearest' });
    assert.deepEqual([cover.width, cover.height], [4, 4]);
    assert.ok(cover.data.every((v) => v === 255));
  });

  it('keeps format and source, rejects bad sizes and options', async () => {
    const decoded: DecodedImage = { ...grey43, format: 'jpeg', source: 'face.jpg' };
    const r = await resizeImage(decoded, 2, 2);
    assert.equal(r.source, 'face.jpg');
    assert.equal(r.format, 'jpeg');
    await assert.rejects(resizeImage(grey43, 0, 2), badOption);
    await assert.rejects(resizeImage(grey43, 2.5, 2), badOption);
    await assert.rejects(resizeImage(grey43, 2, 2, { kernel: 'bicubic' as never }), badOption);
    await assert.rejects(resizeImage(grey43, 2, 2, { fit: 'stretch' as never }), badOption);
  });
});

describe('convertChannels', () => {
  it('grey <-> RGB', () => {
    const rgb = convertChannels(grey43, 3);
    assert.equal(rgb.channels, 3);
    assert.deepEqual(Array.from(rgb.data.subarray(0, 6)), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(Array.from(convertChannels(rgb, 1).data), Array.from(grey43.data));
    assert.equal(convertChannels(grey43, 1), grey43);
    const red: RawImage = { data: Uint8Array.from([255, 0, 0]), width: 1, height: 1, channels: 3 };
    assert.deepEqual(Array.from(convertChannels(red, 1).data), [76]);
  });
});

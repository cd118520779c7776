import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gradientRgb, isError } from '../../test/fixtures/images/helpers.js';
import {
  encodeImage,
  imagesToBatch,
  imageToTensor,
  readImage,
  resizeImage,
  tensorToImage,
  type RawImage,
} from './index.js';

const badOption = isError('E_BAD_OPTION');

function close(actual: ArrayLike<number>, expected: number[], eps = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= eps, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

/** 2x2 RGB, row-major: (0,0) black, (1,0) white, (0,1) red-ish, (1,1) mid. */
const rgb22: RawImage = {
  data: Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 51, 0, 128, 64, 102]),
  width: 2,
  height: 2,
  channels: 3,
};

describe('imageToTensor / tensorToImage', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('float32 0-1 by default, shape [h, w, c]', () => {
    const t = imageToTensor(rgb22);
    try {
      assert.deepEqual(t.shape, [2, 2, 3]);
      assert.equal(t.dtype, 'float32');
      close(t.dataSync(), [0, 0, 0, 1, 1, 1, 1, 0.2, 0, 128 / 255, 64 / 255, 0.4]);
      // [y][x][c] indexing matches row-major layout
      const nested = t.arraySync();
      close(nested[1][0], [1, 0.2, 0]);
      close(nested[0][1], [1, 1, 1]);
    } finally {
      t.dispose();
    }
  });

  it("scales '0-255' and '-1-1'", () => {
    const a = imageToTensor(rgb22, { scale: '0-255' });
    const b = imageToTensor(rgb22, { scale: '-1-1' });
    try {
      close(a.dataSync(), [0, 0, 0, 255, 255, 255, 255, 51, 0, 128, 64, 102]);
      close(
        b.dataSync(),
        [-1, -1, -1, 1, 1, 1, 1, -0.6, -1, 128 / 127.5 - 1, 64 / 127.5 - 1, -0.2],
        1e-6,
      );
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('int32 holds the samples unchanged and refuses other scales', () => {
    const t = imageToTensor(rgb22, { dtype: 'int32' });
    try {
      assert.equal(t.dtype, 'int32');
      assert.deepEqual(
        Array.from(t.dataSync()),
        [0, 0, 0, 255, 255, 255, 255, 51, 0, 128, 64, 102],
      );
    } finally {
      t.dispose();
    }
    assert.throws(() => imageToTensor(rgb22, { dtype: 'int32', scale: '0-1' }), badOption);
    assert.throws(() => imageToTensor(rgb22, { dtype: 'float64' as never }), badOption);
    assert.throws(() => imageToTensor(rgb22, { scale: '0-2' as never }), badOption);
  });

  it('grey images become [h, w, 1]', () => {
    const t = imageToTensor({
      data: Uint8Array.from([0, 51, 102, 255]),
      width: 2,
      height: 2,
      channels: 1,
    });
    try {
      assert.deepEqual(t.shape, [2, 2, 1]);
      close(t.dataSync(), [0, 0.2, 0.4, 1]);
    } finally {
      t.dispose();
    }
  });

  it('tensorToImage clips, rounds and maps NaN to 0', () => {
    const t = tf.tensor3d(
      [-0.5, 0, 0.5, 1, 2, NaN, 0.1, 0.0019, 0.0021, 100 / 255, 0.998, 0.9999],
      [2, 2, 3],
    );
    try {
      const img = tensorToImage(t);
      assert.deepEqual([img.width, img.height, img.channels], [2, 2, 3]);
      assert.deepEqual(Array.from(img.data), [0, 0, 128, 255, 255, 0, 26, 0, 1, 100, 254, 255]);
      assert.equal(t.isDisposed, false, 'the caller keeps ownership');
    } finally {
      t.dispose();
    }
  });

  it('tensorToImage scales: int32 defaults to 0-255, -1-1 maps back', () => {
    const i = tf.tensor3d([0, 300, -4, 128], [2, 2, 1], 'int32');
    const g = tf.tensor3d([-1, 0, 1, -2], [2, 2, 1]);
    try {
      assert.deepEqual(Array.from(tensorToImage(i).data), [0, 255, 0, 128]);
      assert.deepEqual(Array.from(tensorToImage(g, { scale: '-1-1' }).data), [0, 128, 255, 0]);
      assert.deepEqual(Array.from(tensorToImage(g, { scale: '0-255' }).data), [0, 0, 1, 0]);
      assert.throws(() => tensorToImage(g, { scale: '0-100' as never }), badOption);
    } finally {
      i.dispose();
      g.dispose();
    }
  });

  it('round-trips for every scale', () => {
    for (const scale of ['0-1', '0-255', '-1-1'] as const) {
      const t = imageToTensor(rgb22, { scale });
      try {
        assert.deepEqual(
          Array.from(tensorToImage(t, { scale }).data),
          Array.from(rgb22.data),
          scale,
        );
      } finally {
        t.dispose();
      }
    }
  });

  it('tensorToImage rejects tensors that are not images', () => {
    const cases = [
      tf.zeros([2, 2]),
      tf.zeros([1, 2, 2, 3]),
      tf.zeros([2, 2, 4]),
      tf.zeros([2, 2, 2]),
      tf.zeros([2, 2, 3], 'bool'),
      tf.zeros([0, 2, 3]),
    ];
    try {
      for (const t of cases)
        assert.throws(() => tensorToImage(t as tf.Tensor3D), badOption, `${t.shape}`);
    } finally {
      tf.dispose(cases);
    }
    const gone = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    gone.dispose();
    assert.throws(() => tensorToImage(gone), badOption);
  });

  it('imageToTensor rejects malformed images', () => {
    assert.throws(() => imageToTensor({ ...rgb22, data: rgb22.data.subarray(1) }), badOption);
    assert.throws(() => imageToTensor({ ...rgb22, channels: 2 as never }), badOption);
    assert.throws(
      () => imageToTensor({ ...rgb22, data: Array.from(rgb22.data) as never }),
      badOption,
    );
  });

  it('imagesToBatch stacks same-size images into [n, h, w, c]', () => {
    const before = tf.memory().numTensors;
    const b = imagesToBatch([rgb22, rgb22, rgb22], { scale: '0-255' });
    try {
      assert.deepEqual(b.shape, [3, 2, 2, 3]);
      close(b.dataSync().subarray(24, 36), Array.from(rgb22.data));
      assert.equal(tf.memory().numTensors, before + 1, 'only the batch remains');
    } finally {
      b.dispose();
    }
    assert.throws(() => imagesToBatch([]), badOption);
    const grey: RawImage = { data: new Uint8Array(4), width: 2, height: 2, channels: 1 };
    assert.throws(() => imagesToBatch([rgb22, grey]), badOption);
    assert.equal(tf.memory().numTensors, before);
  });

  it('decoded image -> tensor -> image on a real file', async () => {
    const src: RawImage = { data: gradientRgb(16, 12), width: 16, height: 12, channels: 3 };
    const img = await readImage(await encodeImage(src, 'png'));
    const small = await resizeImage(img, 8, 6);
    const t = imageToTensor(small, { scale: '-1-1' });
    try {
      assert.deepEqual(t.shape, [6, 8, 3]);
      assert.deepEqual(
        Array.from(tensorToImage(t, { scale: '-1-1' }).data),
        Array.from(small.data),
      );
    } finally {
      t.dispose();
    }
  });

  it('does not leak tensors over repeated conversions, including failed ones', () => {
    const start = tf.memory().numTensors;
    const img: RawImage = { data: gradientRgb(24, 16), width: 24, height: 16, channels: 3 };
    for (let i = 0; i < 50; i++) {
      const t = imageToTensor(img, { scale: i % 2 === 0 ? '0-1' : '-1-1' });
      tensorToImage(t, { scale: i % 2 === 0 ? '0-1' : '-1-1' });
      t.dispose();
      const b = imagesToBatch([img, img]);
      b.dispose();
      assert.throws(() =>
        imagesToBatch([img, { ...img, width: 12, data: img.data.subarray(0, 12 * 16 * 3) }]),
      );
      assert.throws(() => imageToTensor(img, { dtype: 'int32', scale: '-1-1' }));
    }
    assert.equal(tf.memory().numTensors, start);
  });
});

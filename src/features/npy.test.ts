import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNpyFloat32, encodeNpyFloat32 } from './npy.js';

test('encodeNpyFloat32 writes a v1.0 header padded to 64 bytes and little-endian float32 data', () => {
  const data = Float32Array.from([1, -2, 0.5, 3, 4, 5]);
  const bytes = encodeNpyFloat32(data, [2, 3]);
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = bytes[8] | (bytes[9] << 8);
  assert.equal((10 + headerLen) % 64, 0);
  const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.equal(bytes.length, 10 + headerLen + 24);
  // 1.0f = 0x3F800000, little-endian.
  assert.deepEqual(Array.from(bytes.subarray(10 + headerLen, 14 + headerLen)), [0, 0, 0x80, 0x3f]);
  const back = decodeNpyFloat32(bytes);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(back.data, data);
});

test('encodeNpyFloat32: 1-d and empty arrays; shape mismatch throws', () => {
  assert.deepEqual(decodeNpyFloat32(encodeNpyFloat32(Float32Array.from([7]), [1])).shape, [1]);
  const empty = decodeNpyFloat32(encodeNpyFloat32(new Float32Array(0), [0, 16]));
  assert.deepEqual(empty.shape, [0, 16]);
  assert.throws(() => encodeNpyFloat32(new Float32Array(3), [2, 2]), { code: 'E_BAD_OPTION' });
});

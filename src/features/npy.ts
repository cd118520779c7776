import { ExprsimError } from '../core/errors.js';

/**
 * A NumPy `.npy` file (format version 1.0) holding a C-order little-endian float32 array:
 * magic, version, header length, a Python-dict header padded with spaces to a multiple of 64
 * bytes and ended by a newline, then the data. `np.load` reads it.
 */
export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `shape [${shape.join(', ')}] does not hold ${data.length} values`,
    );
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const off = 10 + header.length;
  for (let i = 0; i < data.length; i++) view.setFloat32(off + i * 4, data[i], true);
  return out;
}

/** Reads back what {@link encodeNpyFloat32} writes (float32, C order, v1.0). */
export function decodeNpyFloat32(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const bad = (why: string) => new ExprsimError('E_DATA_FORMAT', `not a float32 .npy file: ${why}`);
  if (
    bytes.length < 10 ||
    bytes[0] !== 0x93 ||
    String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY'
  ) {
    throw bad('no magic');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint16(8, true);
  const header = String.fromCharCode(...bytes.subarray(10, 10 + len));
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False")) {
    throw bad(header.trim());
  }
  const m = /'shape': \(([^)]*)\)/.exec(header);
  if (m === null) throw bad('no shape');
  const shape = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(10 + len + i * 4, true);
  return { shape, data };
}

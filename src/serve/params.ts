/** Request values checked one by one, each failure a 400 naming the field and what it takes. */
import { badRequest } from './errors.js';

/** A database id: a whole number >= 1 (path parameters arrive as strings). */
export function parseId(name: string, value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw badRequest(
      `${name} must be a whole number >= 1, got ${JSON.stringify(value) ?? 'nothing'}`,
      `pass the id the API listed (GET /api/photos)`,
    );
  }
  return n;
}

/** An optional whole number in [min, max], `def` when absent (query values are strings). */
export function parseWhole(
  name: string,
  value: unknown,
  def: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return def;
  const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw badRequest(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      `pass ${name} from ${min} to ${max}, or leave it out for ${def}`,
    );
  }
  return n;
}

/** The body of a JSON request, which must be an object. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw badRequest(
      'the body must be a JSON object',
      'send Content-Type: application/json with an object body',
    );
  }
  return body as Record<string, unknown>;
}

/**
 * An embedding sent by a client: finite numbers, `size` of them when the size is known,
 * scaled to unit length (distances in the index are between unit vectors).
 */
export function parseEmbedding(name: string, value: unknown, size?: number): Float32Array {
  if (!Array.isArray(value) || value.length === 0 || value.length > 4096) {
    throw badRequest(
      `${name} must be an array of numbers${size === undefined ? '' : ` (${size} of them)`}`,
      'pass an embedding as POST /api/faces returns it',
    );
  }
  if (size !== undefined && value.length !== size) {
    throw badRequest(
      `${name} has ${value.length} numbers where the index's model makes ${size}`,
      'pass an embedding made by the same model (POST /api/faces on this server)',
    );
  }
  const v = new Float32Array(value.length);
  let norm = 0;
  for (let i = 0; i < value.length; i++) {
    const x = value[i] as unknown;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw badRequest(`${name}[${i}] is not a finite number`, 'pass plain numbers');
    }
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw badRequest(`${name} is all zeros`, 'pass a non-zero embedding');
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

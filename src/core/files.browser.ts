/**
 * files.ts for the browser build: paths are URLs (relative ones resolve against the page), read
 * with `fetch`. A missing file (HTTP 404) rejects with `code` 'ENOENT', as on disk.
 */

class FetchError extends Error {
  readonly code: string;
  constructor(url: string, status: number | string) {
    super(`${url}: ${typeof status === 'number' ? `HTTP ${status}` : status}`);
    this.code = status === 404 ? 'ENOENT' : 'EIO';
  }
}

async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FetchError(url, (e as Error).message);
  }
  if (!res.ok) throw new FetchError(url, res.status);
  return res;
}

export async function readTextFile(path: string): Promise<string> {
  return (await get(path)).text();
}

export async function readBinaryFile(path: string): Promise<ArrayBuffer> {
  return (await get(path)).arrayBuffer();
}

export function joinPath(dir: string, ...names: string[]): string {
  return [dir.replace(/\/+$/, ''), ...names.map((n) => n.replace(/^\/+|\/+$/g, ''))].join('/');
}

export function parentPath(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

export function absolutePath(path: string): string {
  const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
  return base === undefined ? path : new URL(path, base).href;
}

export async function sha256Hex(chunks: readonly Uint8Array[]): Promise<string> {
  const n = chunks.reduce((s, c) => s + c.byteLength, 0);
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** files.ts's fileInside for URLs: a relative name without `..` segments, schemes or a root. */
export async function fileInside(dir: string, name: string): Promise<string | undefined> {
  if (name === '' || /^[a-z][a-z0-9+.-]*:/i.test(name) || name.startsWith('/')) return undefined;
  if (name.split(/[\\/]/).some((seg) => seg === '..')) return undefined;
  return joinPath(dir, name);
}

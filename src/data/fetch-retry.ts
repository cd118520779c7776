import { setTimeout as delay } from 'node:timers/promises';

/**
 * One URL fetched with a per-request timeout and retries, classified for the FEC downloader.
 *
 * Retry policy: timeouts, network errors (refused, reset, a body cut off before its
 * Content-Length), 5xx, 408 and 429 are transient and retried up to `retries` more times, waiting
 * backoffMs, 2x, 4x… (capped at maxBackoffMs, with jitter of -50%..0 so that parallel workers do
 * not retry in lockstep; a Retry-After header lengthens the wait, up to the cap). 404 and 410
 * mean the photo is gone: "dead", never retried; so is a redirect to Flickr's
 * "photo_unavailable" placeholder, which many deleted Flickr photos now return with status 200.
 * Any other 4xx is an error without retries (retrying a 403 immediately does not help; a later
 * rerun of the downloader tries errors again).
 */
export interface FetchPolicy {
  /** Per attempt, covering the headers and the whole body. */
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Bodies over this many bytes are refused as bad (not retried). */
  maxBytes: number;
  userAgent?: string;
  /** Aborts everything, including waits between retries (the error propagates). */
  signal?: AbortSignal;
}

export type FetchOutcome =
  | { kind: 'body'; status: number; bytes: Buffer; attempts: number; finalUrl: string }
  | { kind: 'dead'; status: number; attempts: number; reason: string }
  | { kind: 'bad'; status: number; attempts: number; reason: string }
  | { kind: 'error'; status?: number; attempts: number; reason: string };

type Attempt =
  FetchOutcome | { kind: 'retry'; status?: number; reason: string; retryAfterMs?: number };

/** Flickr answers many deleted photos with a redirect to this placeholder image. */
const PLACEHOLDER = /photo_unavailable/i;

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

function errorText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return e instanceof Error ? e.message : String(e);
}

async function readBody(res: Response, maxBytes: number): Promise<Buffer | 'too-large'> {
  const reader = res.body?.getReader();
  if (reader === undefined) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

async function attemptOnce(url: string, policy: FetchPolicy, attempts: number): Promise<Attempt> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), policy.timeoutMs);
  const signal = policy.signal ? AbortSignal.any([policy.signal, timeout.signal]) : timeout.signal;
  try {
    const res = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: policy.userAgent ? { 'user-agent': policy.userAgent } : undefined,
    });
    const status = res.status;
    const drop = () => res.body?.cancel().catch(() => undefined);
    if (status === 404 || status === 410) {
      await drop();
      return { kind: 'dead', status, attempts, reason: `HTTP ${status}` };
    }
    if (status >= 500 || status === 408 || status === 429) {
      await drop();
      return {
        kind: 'retry',
        status,
        reason: `HTTP ${status}`,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
      };
    }
    if (status < 200 || status >= 300) {
      await drop();
      return { kind: 'error', status, attempts, reason: `HTTP ${status}` };
    }
    if (res.redirected && PLACEHOLDER.test(res.url)) {
      await drop();
      return { kind: 'dead', status, attempts, reason: `redirected to the placeholder ${res.url}` };
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > policy.maxBytes) {
      await drop();
      return {
        kind: 'bad',
        status,
        attempts,
        reason: `${declared} bytes, over the limit of ${policy.maxBytes}`,
      };
    }
    const body = await readBody(res, policy.maxBytes);
    if (body === 'too-large')
      return {
        kind: 'bad',
        status,
        attempts,
        reason: `over the limit of ${policy.maxBytes} bytes`,
      };
    return { kind: 'body', status, bytes: body, attempts, finalUrl: res.url };
  } catch (e) {
    if (policy.signal?.aborted) throw policy.signal.reason ?? e;
    if (timeout.signal.aborted)
      return { kind: 'retry', reason: `timed out after ${policy.timeoutMs} ms` };
    return { kind: 'retry', reason: `network error: ${errorText(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** The wait before retry number `retry` (1-based), before jitter. */
export function backoffDelay(
  retry: number,
  policy: Pick<FetchPolicy, 'backoffMs' | 'maxBackoffMs'>,
): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1));
}

/** Fetches `url` under `policy`; never throws except when policy.signal aborts. */
export async function fetchWithRetry(url: string, policy: FetchPolicy): Promise<FetchOutcome> {
  for (let attempt = 1; ; attempt++) {
    const r = await attemptOnce(url, policy, attempt);
    if (r.kind !== 'retry') return r;
    if (attempt > policy.retries) {
      return {
        kind: 'error',
        status: r.status,
        attempts: attempt,
        reason: `${r.reason} (${attempt} attempt${attempt > 1 ? 's' : ''})`,
      };
    }
    let wait = backoffDelay(attempt, policy) * (0.5 + Math.random() * 0.5);
    if (r.retryAfterMs !== undefined)
      wait = Math.min(policy.maxBackoffMs, Math.max(wait, r.retryAfterMs));
    await delay(wait, undefined, { signal: policy.signal });
  }
}

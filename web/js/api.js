// The API client the pages share: JSON in, JSON out, errors as Error objects whose message is
// the server's message and fix ({error: {code, message, fix}}).

export class ApiError extends Error {
  constructor(status, code, message, fix) {
    super(fix ? `${message} (${fix})` : message);
    this.status = status;
    this.code = code;
  }
}

async function answer(res) {
  const type = res.headers.get('content-type') || '';
  const body = type.includes('application/json') ? await res.json() : undefined;
  if (!res.ok) {
    const e = body && body.error;
    throw new ApiError(
      res.status,
      e ? e.code : 'E_HTTP',
      e ? e.message : `the server answered ${res.status}`,
      e ? e.fix : undefined,
    );
  }
  return body;
}

export async function getJson(path) {
  return answer(await fetch(path, { headers: { accept: 'application/json' } }));
}

export async function postJson(path, value) {
  return answer(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(value),
    }),
  );
}

/** A File from an <input type=file>: sent as its own image type, the body being the bytes. */
export async function postImage(path, file) {
  const known = ['image/jpeg', 'image/png', 'image/webp'];
  const type = known.includes(file.type) ? file.type : 'application/octet-stream';
  return answer(
    await fetch(path, { method: 'POST', headers: { 'content-type': type }, body: file }),
  );
}

let healthOnce;

/** GET /api/health, asked once per page. */
export function health() {
  healthOnce ??= getJson('/api/health');
  return healthOnce;
}

/** "12 photos, 15 faces" for the header. */
export async function collectionSummary() {
  const h = await health();
  const s = h.store;
  return `${s.photos} photo${s.photos === 1 ? '' : 's'}, ${s.faces} face${s.faces === 1 ? '' : 's'} in the collection`;
}

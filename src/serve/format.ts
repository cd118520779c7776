// A listening server, for people (what it serves and where) and for scripts (a JSON object).
import type { ServingIndex } from './serve-index.js';

type Serving = Pick<ServingIndex, 'url' | 'store' | 'stats' | 'sample'> &
  Partial<Pick<ServingIndex, 'tokenRequired'>>;

/** The server as JSON: its URL, the index location and what it holds. */
export function servingJson(s: Serving) {
  return { url: s.url, location: s.store.location, photos: s.stats.photos, faces: s.stats.faces };
}

/** What the server serves and where to open it. */
export function formatServing(s: Serving): string[] {
  return [
    `serving ${s.stats.photos} photos, ${s.stats.faces} faces from ${s.store.location}`,
    s.tokenRequired === true
      ? `open ${s.url}/?token=<token> (the token it was started with; scripts send Authorization: Bearer <token>; Ctrl-C stops)`
      : `open ${s.url}/ (Ctrl-C stops)`,
  ];
}

/** The sample index this start built or updated, in a line; undefined when it was up to date. */
export function formatSampleBuilt(s: Serving): string | undefined {
  const built = s.sample?.summary;
  if (built === undefined || built.added + built.changed === 0) return undefined;
  return `built the sample index ${s.sample!.location}: ${built.files} photos, ${built.faces} faces`;
}

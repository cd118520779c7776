// What HTTP clients read never names a server path: a path under the indexed root is shown
// relative to it, the root itself as "<root>", and any other absolute path as "<server path>".
// Library messages and fixes (and the indexer's error text of failed photos) go through here.
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';

/** Text → the same text without server paths. */
export type HidePaths = (text: string) => string;

/**
 * An absolute path not under a known root: a `/` that starts a token (not `image/jpeg`, not
 * `HTTP/1.1`, not the `//` of a URL) followed by path characters. The API's own routes
 * (`/api/...`) are what fixes tell clients to call, so they stay.
 */
const ABSOLUTE = /(^|[\s'"`(=[{<,:])\/(?!\/|api\/)[^\s'"`<>()[\]{},;]+/g;

/** The hider for these roots (the indexed folder; its real path is added when it differs). */
export function pathHider(roots: readonly (string | undefined)[]): HidePaths {
  const known = new Set<string>();
  for (const r of roots) {
    if (r === undefined || r === '') continue;
    const root = r.length > 1 && r.endsWith(sep) ? r.slice(0, -1) : r;
    known.add(root);
    try {
      known.add(realpathSync(root));
    } catch {
      // A root that is gone is still hidden as it was given.
    }
  }
  // Longest first: /a/b/photos before /a/b.
  const list = [...known].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const root of list)
      out = out
        .split(root + sep)
        .join('')
        .split(root)
        .join('<root>');
    return out.replace(ABSOLUTE, '$1<server path>');
  };
}

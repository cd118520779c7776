import { ExprsimError } from '../core/errors.js';

/** The first line of an error's message (sharp's messages can run to several lines). */
export function sharpMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim();
}

/**
 * A Node fs error in one short line without the path it names (the caller names it once):
 * "EACCES: permission denied, open '/x/y.jpg'" → "EACCES: permission denied".
 */
export function fsErrorReason(e: unknown): string {
  const text = ((e as Error | undefined)?.message ?? String(e)).split('\n')[0];
  return text.replace(/, [a-z]+ '.*'$/, '');
}

/** Maps a Node fs error to an ExprsimError naming the path. */
export function fsError(e: unknown, path: string, action: 'read' | 'write'): ExprsimError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return action === 'read'
      ? new ExprsimError('E_FILE_NOT_FOUND', 'no such file', {
          input: path,
          fix: 'check the path; a relative path is resolved from the current directory',
          cause: e,
        })
      : new ExprsimError('E_FILE_NOT_FOUND', 'the directory to write into does not exist', {
          input: path,
          fix: 'create the directory first',
          cause: e,
        });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ExprsimError('E_IO', `permission denied (cannot ${action} it)`, {
      input: path,
      fix: `check the permissions of the file and its directory`,
      cause: e,
    });
  }
  if (code === 'EISDIR') {
    return new ExprsimError('E_IO', 'is a directory, not an image file', {
      input: path,
      fix:
        action === 'read'
          ? 'pass the path of an image file inside it'
          : 'pass a file path to write',
      cause: e,
    });
  }
  const detail = e instanceof Error ? e.message : String(e);
  return new ExprsimError('E_IO', `cannot ${action} the file: ${detail}`, {
    input: path,
    fix: code === 'ENOSPC' ? 'free some disk space' : 'check the path and the disk',
    cause: e,
  });
}

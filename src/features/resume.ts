/** Resuming an extraction: the cache folder's earlier manifest must describe the same job. */
import { ExprsimError } from '../core/errors.js';
import {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  readJson,
  type FeatureCacheManifest,
} from './cache-format.js';
import { canonicalJson, samePreprocess, type FeaturePreprocess } from './preprocess.js';

/** The manifest of an earlier run in the folder, if any (E_CACHE_MISMATCH when damaged). */
export async function readExistingManifest(
  manifestPath: string,
): Promise<FeatureCacheManifest | undefined> {
  try {
    return (await readJson(manifestPath)) as FeatureCacheManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExprsimError('E_CACHE_MISMATCH', 'features.json is damaged', {
      input: manifestPath,
      fix: 'delete the folder and extract again',
      cause: e,
    });
  }
}

function mismatch(dir: string, what: string, had: string, want: string): ExprsimError {
  return new ExprsimError(
    'E_CACHE_MISMATCH',
    `the cache was made with ${what} ${had}, this run uses ${want}`,
    {
      input: dir,
      fix: 'write to a new `outDir` folder, or delete this one to start again',
      option: 'outDir',
    },
  );
}

/** Whether a stored record (possibly damaged, or from before align/mask) means `pre`. */
function sameStored(stored: unknown, pre: FeaturePreprocess): boolean {
  try {
    return samePreprocess(stored, pre);
  } catch {
    return false;
  }
}

/** An earlier run's manifest must describe the job of `manifest`, this run's (E_CACHE_MISMATCH). */
export function checkResume(
  existing: FeatureCacheManifest,
  manifest: FeatureCacheManifest,
  dir: string,
): void {
  const mirror = manifest.mirror === true;
  if (existing.format !== CACHE_FORMAT || existing.formatVersion !== CACHE_FORMAT_VERSION) {
    throw mismatch(
      dir,
      'format',
      `${existing.format} v${existing.formatVersion}`,
      `${CACHE_FORMAT} v${CACHE_FORMAT_VERSION}`,
    );
  }
  const [had, want] = [existing.backbone, manifest.backbone];
  if (had.name !== want.name || had.version !== want.version) {
    throw mismatch(dir, 'backbone', `${had.name} ${had.version}`, `${want.name} ${want.version}`);
  }
  if (!sameStored(existing.preprocess, manifest.preprocess)) {
    throw mismatch(
      dir,
      'preprocessing',
      canonicalJson(existing.preprocess),
      canonicalJson(manifest.preprocess),
    );
  }
  if ((existing.mirror === true) !== mirror) {
    throw mismatch(
      dir,
      'faces',
      existing.mirror === true ? 'mirrored' : 'not mirrored',
      mirror ? 'mirrored ones (`mirror`)' : 'unmirrored ones',
    );
  }
  if (existing.shardSize !== manifest.shardSize) {
    throw mismatch(dir, 'shard size', String(existing.shardSize), String(manifest.shardSize));
  }
  if (existing.keysSha256 !== manifest.keysSha256) {
    throw mismatch(
      dir,
      'a different image list of',
      `${existing.count} images`,
      `${manifest.count}`,
    );
  }
}

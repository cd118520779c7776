import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
// From the defining modules, not image/index.js: the index also loads TensorFlow.js (~0.7 s),
// which data loading and downloading never need.
import { formatFromExtension } from '../image/format.js';
import { listFolder } from '../image/walk-files.js';
import { normalizeSplit, tally, type LabelledDataset, type SplitName } from './labelled.js';

/**
 * Loads an image-folder dataset: `root/<label>/<image>` (the layout torchvision's ImageFolder and
 * Keras use). When every top-level folder is a split name (Training/PublicTest/PrivateTest or
 * train/val/test, as in the Kaggle FER2013 release), the layout is `root/<split>/<label>/<image>`
 * instead. Images are recognised by extension (.jpg, .jpeg, .png, .webp); other files and files
 * outside a label folder are skipped and counted. Hidden files are ignored.
 * Throws E_FILE_NOT_FOUND for a missing root and E_DATA_EMPTY when no image is found.
 */
export async function loadImageFolder(root: string): Promise<LabelledDataset> {
  const abs = resolve(root);
  try {
    if (!(await stat(abs)).isDirectory()) {
      throw new ExprsimError('E_IO', 'is a file, not a folder', {
        input: root,
        fix: 'pass a folder laid out as <label>/<image> (or a labels CSV as `labels`)',
        option: 'folder',
      });
    }
  } catch (e) {
    if (e instanceof ExprsimError) throw e;
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no such folder', {
      input: root,
      fix: 'check the path',
      cause: e,
    });
  }
  const ds: LabelledDataset = {
    kind: 'image-folder',
    input: root,
    root: abs,
    images: [],
    skipped: { count: 0, first: [] },
    missing: { count: 0, first: [] },
    hasSplits: false,
    hasSubjects: false,
  };
  const top = await listFolder(abs);
  for (const f of top.files) tally(ds.skipped, { item: f, reason: 'not inside a label folder' });
  const splitLayout = top.dirs.length > 0 && top.dirs.every((d) => normalizeSplit(d) !== undefined);
  ds.hasSplits = splitLayout;
  const addLabelDir = async (rel: string, label: string, split?: SplitName) => {
    const { dirs, files } = await listFolder(resolve(abs, rel));
    for (const d of dirs)
      tally(ds.skipped, { item: `${rel}/${d}/`, reason: 'nested folder (not read)' });
    for (const f of files) {
      const key = `${rel}/${f}`;
      if (formatFromExtension(f) === undefined) {
        tally(ds.skipped, {
          item: key,
          reason: 'not an image file name (.jpg, .jpeg, .png, .webp)',
        });
        continue;
      }
      ds.images.push(split === undefined ? { key, label } : { key, label, split });
    }
  };
  for (const d of top.dirs) {
    if (splitLayout) {
      const split = normalizeSplit(d);
      const inner = await listFolder(resolve(abs, d));
      for (const f of inner.files)
        tally(ds.skipped, { item: `${d}/${f}`, reason: 'not inside a label folder' });
      for (const label of inner.dirs) await addLabelDir(`${d}/${label}`, label, split);
    } else {
      await addLabelDir(d, d);
    }
  }
  if (ds.images.length === 0) {
    throw new ExprsimError(
      'E_DATA_EMPTY',
      `no images found (looked for .jpg, .jpeg, .png and .webp files in ${splitLayout ? '<split>/<label>/' : '<label>/'} folders${ds.skipped.count > 0 ? `; skipped ${ds.skipped.count} other entries` : ''})`,
      {
        input: root,
        fix: 'lay the folder out as <label>/<image>, one folder per expression label',
      },
    );
  }
  return ds;
}

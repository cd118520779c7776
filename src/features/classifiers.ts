import { ExprsimError } from '../core/errors.js';
import type { ClassifierConfig, ClassifierName, ExpressionClassifier } from './types.js';

/** The registered frozen classifiers, in the order the CLI lists them. */
export const CLASSIFIER_NAMES: readonly ClassifierName[] = ['human-emotion'];

export function isClassifierName(name: unknown): name is ClassifierName {
  return typeof name === 'string' && (CLASSIFIER_NAMES as readonly string[]).includes(name);
}

const FACTORIES: Record<ClassifierName, (c: ClassifierConfig) => Promise<ExpressionClassifier>> = {
  'human-emotion': async (c) =>
    (await import('./human-emotion.js')).HumanEmotionClassifier.create(c),
};

/**
 * Creates a frozen expression classifier by name, loading its shipped weights from disk
 * (models/<name>/).
 *
 * - `human-emotion`: Human's emotion net (face_classification's FER2013 model), 64x64 grey;
 *   7 probabilities.
 *
 * Throws E_UNKNOWN_NAME for another name, E_FILE_NOT_FOUND / E_MODEL_FORMAT when the weights
 * are missing or damaged. Needs an initialised engine.
 */
export async function createClassifier(
  name: string,
  config: ClassifierConfig = {},
): Promise<ExpressionClassifier> {
  if (!isClassifierName(name)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown classifier "${String(name)}"`, {
      input: String(name),
      fix: `use one of ${CLASSIFIER_NAMES.join(', ')}`,
    });
  }
  return FACTORIES[name](config);
}

/**
 * Experiments: plans of training runs (grids, groups), the resumable runner, reading run
 * folders, and the end-to-end self-check. report/ renders what these produce.
 */
export { evalSummary, loadRun, movingAverage, type EvalSummary, type RunInfo } from './runs.js';
export {
  inGroup,
  loadPlan,
  parsePlan,
  parsePlanText,
  type ExperimentPlan,
  type GroupFilter,
  type ParsePlanOptions,
  type PlanInput,
  type PlanRun,
  type PlanTrainOptions,
} from './plan.js';
export {
  runExperiment,
  runFolderState,
  selectRuns,
  type ExperimentEvent,
  type ExperimentOptions,
  type ExperimentResult,
  type RunFolderState,
  type RunOutcome,
  type RunOutcomeStatus,
} from './experiment.js';
export { runSelfCheck, type SelfCheckResult } from './self-check.js';
export {
  DEFAULT_MAP_IMAGES,
  EMBEDDINGS_FORMAT,
  readEmbeddingsFile,
  sampleIndices,
  writeEmbeddingsFile,
  type EmbeddingsFile,
} from './embeddings-file.js';
export { dryRunPlan, type PlanDryRun } from './dry-run.js';
export { formatDryRun, formatExperimentEvent, formatExperimentSummary } from './format.js';
export { defaultReportDir } from './plan.js';
export { formatSelfCheck } from './self-check-format.js';

export {
  barChart,
  lineChart,
  scatterChart,
  PALETTE,
  type Bar,
  type ChartFrame,
  type Point as ChartPoint,
  type ScatterGroup,
  type Series,
} from './charts.js';
export { svgToPng, writeChart } from './png.js';
export { evalSummary, loadRun, movingAverage, type EvalSummary, type RunInfo } from './runs.js';
export { htmlTable, markdownTable, tableRows, type RunCost, type TableRow } from './table.js';
export { runGroups, writeReport, type ReportOptions, type ReportResult } from './report.js';
export { formatTick, linearScale, niceStep, niceTicks } from './scale.js';
export {
  conditionalProbabilities,
  jointProbabilities,
  klDivergence,
  klGradient,
  squaredDistances,
  tsne,
  type TsneOptions,
  type TsneResult,
} from './tsne.js';
export {
  DEFAULT_MAP_IMAGES,
  EMBEDDINGS_FORMAT,
  embeddingMapChart,
  embeddingMapGroups,
  readEmbeddingsFile,
  sampleIndices,
  writeEmbeddingsFile,
  type EmbeddingMapOptions,
  type EmbeddingsFile,
} from './embedding-map.js';
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

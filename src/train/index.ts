export {
  fecTripletLoss,
  tripletMarginLoss,
  tripletDistances,
  tripletMargins,
  type TripletType,
  type MarginConfig,
} from './triplet-loss.js';
export { trainStep, type TripletBatch, type TripletLossFn } from './train-step.js';
export {
  LOSS_NAMES,
  lossFunction,
  marginLossPerTriplet,
  shardGradients,
  type LossName,
  type ShardGradients,
} from './gradients.js';
export { learningRateAt, SCHEDULE_NAMES, type LrSchedule, type ScheduleName } from './schedule.js';
export {
  OPTIMIZER_NAMES,
  TrainOptimizer,
  type OptimizerConfig,
  type OptimizerName,
  type OptimizerState,
} from './optimizer.js';
export { resolveTrainConfig, type TrainConfig, type TrainOptions } from './config.js';
export { parseShape3 } from '../models/heads/options.js';
export { DataOrder } from './data-order.js';
export { LocalReplicas, WorkerReplicas, shardRanges, type Replicas } from './replicas.js';
export {
  readMetrics,
  type EpochMetrics,
  type MetricsLine,
  type StepMetrics,
  type ValMetrics,
} from './metrics-log.js';
export { hasCheckpoint, type CheckpointState, type TrainerProgress } from './checkpoint.js';
export { train, type TrainResult, type TrainRun } from './trainer.js';
export type { ModelValidator, OpenValidator, SuiteScore } from './validator.js';
export { formatTrainSummary, formatValidationLine, trainSummaryJson } from './summary.js';
export {
  DEFAULT_LR,
  DEFAULT_TRAIN_OPTIONS,
  RESUME_OPTIONS,
  TRAIN_OPTION_RULES,
  type ResumeOptionKey,
  type TrainOptionKey,
  type TrainOptionRule,
} from './defaults.js';
export { describeRule, trainOptionProblem } from './config.js';
export {
  TEACHER_NAMES,
  writeTeacherTriplets,
  type TeacherName,
  type TeacherTripletOptions,
  type TeacherTripletResult,
} from './teacher-triplets.js';

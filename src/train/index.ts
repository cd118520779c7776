export {
  fecTripletLoss,
  tripletMarginLoss,
  tripletDistances,
  tripletMargins,
  type TripletType,
  type MarginConfig,
} from './triplet-loss.js';
export { trainStep, type TripletBatch, type TripletLossFn } from './train-step.js';

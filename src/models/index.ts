export { createReferenceHead, type ReferenceHeadConfig } from './reference-head.js';
export { L2Normalize } from './layers/l2-normalize.js';

export {
  initEngine,
  getEngineInfo,
  kernelsLabel,
  parseBackendName,
  BACKEND_NAMES,
  type BackendName,
  type EngineConfig,
  type EngineInfo,
  type BackendAttempt,
} from './backend.js';
export { fileIO, registerFileRouter } from './file-io.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './kernels/index.js';
export { formatInstallInfo, installInfo, type InstallInfo } from './install-info.js';

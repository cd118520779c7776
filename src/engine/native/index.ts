export {
  loadNativeBlas,
  defaultThreads,
  loadNativeLibrary,
  nativePath,
  OPENMP_DEFAULTS,
  NATIVE_LIBRARIES,
  NATIVE_PATH,
  NATIVE_PATHS,
  type NativeBlas,
  type NativeLibrary,
  type NativeLoad,
} from './load.js';
export {
  nativeKernelCalls,
  registerNativeKernels,
  unregisterNativeKernels,
  type KernelCalls,
  type NextLibrary,
} from './kernels.js';

export {
  loadNativeBlas,
  loadNativeLibrary,
  NATIVE_LIBRARIES,
  NATIVE_PATH,
  NATIVE_PATHS,
  type NativeBlas,
  type NativeLibrary,
  type NativeLoad,
} from './load.js';
export { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from './kernels.js';

export { loadNativeBlas, NATIVE_PATH, type NativeBlas, type NativeLoad } from './load.js';
export { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from './kernels.js';

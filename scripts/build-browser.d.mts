/** Types of scripts/build-browser.mjs, for the tests and the build-web command that call it. */
export interface BrowserBuild {
  outDir: string;
  /** The files written: exprsim.js and the tfjs wasm binaries. */
  files: string[];
  /** Their sizes in bytes. */
  sizes: Record<string, number>;
  /** The source files in the bundle, relative to the working folder (esbuild's metafile). */
  inputs: string[];
  warnings: unknown[];
}

export function buildBrowser(
  outDir?: string,
  options?: { minify?: boolean; entry?: string; sources?: string },
): Promise<BrowserBuild>;

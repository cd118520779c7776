/** Types of scripts/build-browser.mjs, for the tests and the build-web command that call it. */
export interface BrowserBuild {
  outDir: string;
  /** The files written: exprsim.js and the tfjs wasm binaries. */
  files: string[];
  /** Their sizes in bytes. */
  sizes: Record<string, number>;
  warnings: unknown[];
}

export function buildBrowser(
  outDir?: string,
  options?: { minify?: boolean },
): Promise<BrowserBuild>;

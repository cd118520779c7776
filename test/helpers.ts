// What the integration tests share: the CLI as a child process, and the shared datasets
// (`<repo>/../shared/data`) with a skip reason when they are absent.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = fileURLToPath(new URL('..', import.meta.url));
/** The CLI entry point. */
export const BIN = join(REPO, 'bin', 'exprsim.js');

/** The shared datasets folder, `<repo>/../shared/data`. */
export function sharedDataDir(): string {
  return resolve(REPO, '..', 'shared', 'data');
}

/**
 * `rel` inside the shared data folder, and the `skip` option of the tests that need it: false
 * when it exists, else the reason, which is printed once (`# skipping <what>: …`).
 */
export function sharedDataOrSkip(
  rel: string,
  what: string,
): { path: string; skip: string | false } {
  const path = join(sharedDataDir(), rel);
  const skip = existsSync(path)
    ? false
    : `shared data not found: ${path} (needs <repo>/../shared/data/${rel})`;
  if (skip) console.log(`# skipping ${what}: ${skip}`);
  return { path, skip };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to (or, as '', blanking) this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Start it in its own process group (to signal the group, workers included). */
  detached?: boolean;
  /** Run it as this user and group (a root test process dropping to an ordinary user). */
  uid?: number;
  gid?: number;
}

/** A running CLI: the child, its output so far, and its result once it exits. */
export interface CliProcess {
  child: ChildProcess;
  exited: Promise<CliResult>;
  out(): string;
  err(): string;
}

const envOf = (opts: CliOptions) => (opts.env ? { ...process.env, ...opts.env } : process.env);

/** Starts `exprsim ARGS` (several can run at once: each pays the CLI's start-up). */
export function spawnCli(args: readonly string[], opts: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: envOf(opts),
    detached: opts.detached ?? false,
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
    ...(opts.gid === undefined ? {} : { gid: opts.gid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Runs `exprsim ARGS` to the end. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).exited;
}

/** Runs `exprsim ARGS` to the end, blocking. */
export function runCliSync(args: readonly string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: envOf(opts) });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// The CLI's one place for Ctrl-C and SIGTERM: long jobs stop cleanly on the first signal, and a
// server runs until one arrives. Library code never touches process signals.

export interface InterruptOptions {
  /** What the job finishes before it stops, for the message; default a step and a checkpoint. */
  stopsAfter?: string;
  /** The signals that stop the job; default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
}

/**
 * Ctrl-C (or SIGTERM) for long jobs: the first signal aborts `signal` so the job stops after its
 * current step (train writes a checkpoint; index commits every finished photo); a second one
 * quits at once (exit 130). `release()` removes the handlers when the job is over.
 */
export function abortOnInterrupt(options: InterruptOptions = {}): {
  signal: AbortSignal;
  release(): void;
} {
  const stopsAfter = options.stopsAfter ?? 'this step and writing a checkpoint';
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nexprsim: stopped\n');
      process.exit(130);
    }
    process.stderr.write(`\nexprsim: stopping after ${stopsAfter} (Ctrl-C again to quit now)\n`);
    controller.abort();
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: controller.signal,
    release() {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** Resolves with the signal's name on Ctrl-C or SIGTERM (a server then closes). */
export function untilStopped(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Ctrl-C (or SIGTERM) for long jobs: the first signal aborts `signal` so the job stops after its
 * current step and writes a checkpoint; a second one quits at once (exit 130). `release()` removes
 * the handlers when the job is over.
 */
export function abortOnInterrupt(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      '\nexprsim: stopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

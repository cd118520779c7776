/**
 * The once-per-process (or per-page) start of the tensor engine, shared by backend.ts and its
 * browser sibling: the first call runs `init`, later ones get the same info (or the start under
 * way); asking for another backend than the running one starts that one instead.
 */
export function initOnce<C extends { backend?: string }, I extends { backend: string }>(
  init: (config: C) => Promise<I>,
): { start: (config: C) => Promise<I>; info: () => I | undefined } {
  let current: I | undefined;
  let pending: Promise<I> | undefined;
  const start = (config: C): Promise<I> => {
    if (current && (config.backend === undefined || config.backend === current.backend)) {
      return Promise.resolve(current);
    }
    if (pending && config.backend === undefined) return pending;
    pending = init(config).then(
      (info) => {
        current = info;
        return info;
      },
      (e) => {
        pending = undefined;
        throw e;
      },
    );
    return pending;
  };
  return { start, info: () => current };
}

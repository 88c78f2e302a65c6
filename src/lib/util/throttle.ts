/** Calls `fn` at most once per `ms`, and once more after the last call in a burst. */
export function throttle(
  fn: () => void,
  ms: number,
): { call: () => void; flush: () => void; cancel: () => void } {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = (): void => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  return {
    call: () => {
      if (timer !== undefined) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    flush: () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      run();
    },
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

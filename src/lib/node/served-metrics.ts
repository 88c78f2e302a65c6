import type { Counter, Metric, MetricGroup, Metrics, StopTimer } from '@libp2p/interface';

/**
 * A Metrics object for Helia that counts what bitswap sends and ignores the rest.
 *
 * Bitswap counts `helia_bitswap_sent_blocks_total` and `..._sent_data_bytes_total` after
 * each message it sends; that is the only place that knows a block left (a blockstore `get`
 * also runs for want-haves that answer with a presence, not the block).
 */
export interface ServedCounter {
  metrics: Metrics;
  blocks(): number;
  bytes(): number;
  /** When the last block went (ms since the epoch), undefined before the first. */
  lastAt(): number | undefined;
}

const BLOCKS = 'helia_bitswap_sent_blocks_total';
const BYTES = 'helia_bitswap_sent_data_bytes_total';

const noop = (): void => {};
const stopTimer: StopTimer = noop;

function nullMetric(): Metric & MetricGroup & Counter {
  return {
    update: noop,
    increment: noop,
    decrement: noop,
    reset: noop,
    timer: () => stopTimer,
  };
}

export function createServedCounter(onChange: () => void): ServedCounter {
  let blocks = 0;
  let bytes = 0;
  let lastAt: number | undefined;
  const counter = (add: (n: number) => void): Counter => ({
    increment: (n = 1) => {
      add(n);
      lastAt = Date.now();
      onChange();
    },
    reset: noop,
  });
  const registerCounter = (name: string): Counter => {
    if (name === BLOCKS) return counter((n) => (blocks += n));
    if (name === BYTES) return counter((n) => (bytes += n));
    return nullMetric();
  };
  const metrics = {
    trackMultiaddrConnection: noop,
    trackProtocolStream: noop,
    registerMetric: nullMetric,
    registerMetricGroup: nullMetric,
    registerCounter,
    registerCounterGroup: nullMetric,
    registerHistogram: () => ({ observe: noop, reset: noop, timer: () => stopTimer }),
    registerHistogramGroup: () => ({ observe: noop, reset: noop, timer: () => stopTimer }),
    registerSummary: () => ({ observe: noop, reset: noop, timer: () => stopTimer }),
    registerSummaryGroup: () => ({ observe: noop, reset: noop, timer: () => stopTimer }),
    traceFunction: <F>(_name: string, fn: F): F => fn,
    createTrace: () => undefined,
  } as unknown as Metrics;
  return { metrics, blocks: () => blocks, bytes: () => bytes, lastAt: () => lastAt };
}

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

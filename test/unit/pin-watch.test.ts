// The wait loop (watchPin) on a fake clock, with a fake service and a fake node: when the
// service is asked, not how long anything takes for real.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadline, watchPin } from '../../src/lib/pin/wait.js';
import type { WatchContext } from '../../src/lib/pin/wait.js';
import type { DelegateDialer } from '../../src/lib/pin/delegates.js';
import type { BitswapEvent, IpfsNode, NodeStats } from '../../src/lib/node/types.js';
import { CustomProgressEvent } from '../../src/lib/progress.js';
import type { CID as CIDType } from 'multiformats/cid';
import type { PinningClient, PinStatus } from '../../src/lib/psa/types.js';

const REQUESTID = 'req-1';
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

function status(s: string): PinStatus {
  return {
    requestid: REQUESTID,
    status: s,
    created: '2026-12-02T00:00:00Z',
    pin: { cid: CID },
    delegates: [],
  } as unknown as PinStatus;
}

const dialer: DelegateDialer = {
  delegates: [],
  dialled: [],
  offer: () => {},
  attach: () => {},
  settle: async () => {},
};

/** The wait's context for a pin found `pinning`, with the service's request budget. */
function watchContext(node: IpfsNode, extra: Partial<WatchContext> = {}): WatchContext {
  return {
    service: 'svc',
    dialer,
    deadline: createDeadline(15 * 60_000),
    node,
    pollMinMs: 1000,
    pollMaxMs: 30_000,
    minIntervalMs: 1000,
    random: () => 0.5,
    deleteOnTimeout: false,
    initial: status('pinning'),
    ...extra,
  };
}

/**
 * A node that sends blocks from 0 until `lastBlockAt`, when a peer has been handed every
 * block, and a service that says `pinning` until `pinnedAt` (the last blocks still on the
 * wire until then), `pinned` after. Returns when each GET was answered and what it said.
 */
async function run(opts: { lastBlockAt: number; pinnedAt: number; heardUntil?: number }) {
  const asked: { at: number; status: string }[] = [];
  const client = {
    get: async (requestid: string) => {
      expect(requestid).toBe(REQUESTID);
      const s = Date.now() < opts.pinnedAt ? 'pinning' : 'pinned';
      asked.push({ at: Date.now(), status: s });
      return status(s);
    },
  } as unknown as PinningClient;
  // The embedded node's engine, as events: a block every 10 ms until `lastBlockAt` (the
  // last one makes the peer complete), and the fetcher's cancels every 10 ms until
  // `heardUntil`.
  const listeners = new Set<(e: BitswapEvent) => void>();
  const total = opts.lastBlockAt / 10;
  let sent = 0;
  const tick = setInterval(() => {
    const at = Date.now();
    if (sent < total) {
      sent++;
      const digest = new Uint8Array(32);
      new DataView(digest.buffer).setUint32(0, sent);
      const cid = { multihash: { digest } } as unknown as CIDType;
      for (const l of listeners)
        l(new CustomProgressEvent('bitswap:block:sent', { peer: 'svc-peer', cid, bytes: 1000, at }));
    }
    if (opts.heardUntil !== undefined && at <= opts.heardUntil)
      for (const l of listeners)
        l(
          new CustomProgressEvent('bitswap:message:received', { peer: 'svc-peer', wants: 0, cancels: 1, at }),
        );
  }, 10);
  const node = {
    stats: (): NodeStats => ({ blocksServed: sent, bytesServed: sent * 1000, peers: 1, blocksHeld: total }),
    subscribe: (l: (e: BitswapEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as IpfsNode;
  const ctx = watchContext(node);
  const done = watchPin(client, REQUESTID, ctx);
  let result: PinStatus | undefined;
  void done.then((r) => (result = r));
  while (result === undefined) await vi.advanceTimersByTimeAsync(50);
  ctx.deadline.clear();
  clearInterval(tick);
  return { result, asked };
}

describe('watchPin after a long transfer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('looks again within seconds when the pin is still pending just after the last block', async () => {
    // 60 s of blocks (the backoff has grown to its 30 s ceiling by then); the service holds
    // the DAG 3 s after our node handed off the last block (a capped link drains its queue).
    const { result, asked } = await run({ lastBlockAt: 60_000, pinnedAt: 63_000 });
    expect(result.status).toBe('pinned');
    const seen = asked.find((a) => a.status === 'pinned');
    expect(seen).toBeDefined();
    // Polls at +30 ms and +250 ms found it pending; then ~1 s, ~2 s: seen by 63.3 s. Before,
    // the next look was the 30 s ceiling: about 90 s.
    expect(seen!.at).toBeLessThan(63_000 + 2_500);
    // ...without polling a pending pin more than the request budget allows.
    const after = asked.filter((a) => a.at >= 60_000);
    for (let i = 1; i < after.length; i++) {
      expect(after[i]!.at - after[i - 1]!.at).toBeGreaterThanOrEqual(200);
    }
    expect(after.length).toBeLessThanOrEqual(6);
  });

  it("asks right after the fetcher's messages stop, when the last blocks landed", async () => {
    // Handed off at 60 s; the capped link delivers the rest until 62.4 s, the fetcher's
    // cancels say so, and the service has the pin at 62.45 s.
    const { asked } = await run({ lastBlockAt: 60_000, pinnedAt: 62_450, heardUntil: 62_400 });
    const after = asked.filter((a) => a.at >= 60_000);
    // No early looks (+30 ms, +250 ms) while the cancels come in: at most the planned poll
    // the backoff had due, which is held no longer than its hold.
    expect(after.filter((a) => a.at < 62_400).length).toBeLessThanOrEqual(1);
    const seen = asked.find((a) => a.status === 'pinned');
    expect(seen!.at).toBeLessThan(62_450 + 400);
  });

  it('still backs off while the service stays pending long after the transfer', async () => {
    const { asked } = await run({ lastBlockAt: 5_000, pinnedAt: 125_000 });
    const after = asked.filter((a) => a.at >= 5_000);
    // 1, 2, 4, 8, 16, 30, 30, 30... s apart: about a dozen looks in two minutes, not 120.
    expect(after.length).toBeLessThan(15);
    expect(after.at(-1)!.status).toBe('pinned');
  });
});

describe('watchPin after an upload', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 10_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The service got the whole CAR at 10 s and writes the pin down until `pinnedAt`. */
  async function afterUpload(deliveredAt: number | undefined, pinnedAt: number) {
    const asked: { at: number; status: string }[] = [];
    const client = {
      get: async () => {
        const s = Date.now() < pinnedAt ? 'pinning' : 'pinned';
        asked.push({ at: Date.now(), status: s });
        return status(s);
      },
    } as unknown as PinningClient;
    // Our node served nothing: the upload carried the data.
    const node = {
      stats: (): NodeStats => ({ blocksServed: 0, bytesServed: 0, peers: 0, blocksHeld: 10 }),
      subscribe: () => () => {},
    } as unknown as IpfsNode;
    // The lookup right after the upload found it still being written down.
    const ctx = watchContext(node, {
      minIntervalMs: 0,
      ...(deliveredAt === undefined ? {} : { deliveredAt }),
    });
    const done = watchPin(client, REQUESTID, ctx);
    let result: PinStatus | undefined;
    void done.then((r) => (result = r));
    while (result === undefined) await vi.advanceTimersByTimeAsync(10);
    ctx.deadline.clear();
    return asked;
  }

  it('looks again at once and shortly after, not at the backed-off pace', async () => {
    // IPFS Cluster answers the upload before its status says pinned (~150 ms on the lab).
    const asked = await afterUpload(10_000, 10_150);
    expect(asked.at(-1)!.status).toBe('pinned');
    // +30 ms (pending), +250 ms after it (pinned).
    expect(asked.at(-1)!.at).toBeLessThan(10_400);
    expect(asked.length).toBe(2);
    // Without the upload's word, the first look is the planned one, about a second later.
    vi.setSystemTime(10_000);
    const plain = await afterUpload(undefined, 10_150);
    expect(plain[0]!.at).toBeGreaterThanOrEqual(10_750);
  });
});

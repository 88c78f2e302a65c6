import type { AbortOptions, PeerId, Stream } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { PROTOCOLS } from './protocol.js';

/** Opens an outbound stream (libp2p's `dialProtocol`). */
export type OpenStream = (
  peer: PeerId,
  protocols: string[],
  options: AbortOptions & { negotiateFully?: boolean },
) => Promise<Stream>;

/**
 * A kept stream with nothing to send for this long is closed. A Helia receiver aborts an
 * incoming bitswap stream that brings no message within its receive timeout (5 s in Helia 5,
 * 10 s in Helia 7): a message written as that happens would be lost. kubo has no such
 * timeout. Well under both, and long against a round trip.
 */
export const IDLE_CLOSE_MS = 2_000;
/**
 * Streams a peer's messages are spread over at most. Each yamux stream has its own receive
 * window, 256 KiB at first in go-yamux, and it grows only when the receiver's reads keep up
 * with the window updates; kubo's fetcher asks for 32 blocks a round, about 770 KB of a
 * small-file site. On one stream the rest of a round waited a whole round trip for the
 * window (seen on the WAN lab at 100 ms: ~40% of each round a round trip late, the fetch
 * 14% slower than kubo's server, which writes each message on a stream of its own with 8
 * workers). Eight windows hold a round, and 8 is how many messages boxo's server has in
 * flight at once.
 */
export const MAX_LANES = 8;
const OPEN_TIMEOUT_MS = 10_000;

/** One stream of the sender's, held by one message until it is written. */
export interface Lane {
  /** The protocol the message goes out on. */
  readonly protocol: string;
  /**
   * Writes one whole message (length prefix included) and gives the lane back. Resolves once
   * all of it has left the stream's write buffer for the muxer; rejects when the stream
   * closes or resets before that (the caller re-queues what it carried).
   */
  send(message: Uint8ArrayList, signal?: AbortSignal): Promise<void>;
  /** Gives the lane back unused. */
  release(): void;
}

export interface PeerSender {
  /** Opens the first stream now, so the first answer does not wait a round trip for negotiation. */
  prepare(): void;
  /**
   * A stream with no message being written on it: a free one, a new one (up to the lane
   * limit), or the first one to be freed. The caller owns it until `send` or `release`.
   */
  acquire(signal?: AbortSignal): Promise<Lane>;
  /** Streams opened so far. */
  readonly opened: number;
  close(): void;
}

interface LaneState {
  /** Set once the stream is open. */
  stream?: Stream;
  opening?: Promise<Stream>;
  busy: boolean;
  idle?: ReturnType<typeof setTimeout>;
}

/**
 * A peer's outbound bitswap streams: up to `maxLanes` kept streams, one message being
 * written on each at a time, so no message waits behind another's window and a round of
 * blocks goes out at once (see MAX_LANES). The first stream negotiates the protocol in full
 * (1.2.0, 1.1.0 or 1.0.0); the others propose the one it agreed on and write at once, with
 * no round trip. Bitswap receivers (kubo, boxo, Helia) read any number of messages per
 * stream and any number of streams. A stream that is closed or reset is dropped and
 * replaced on demand; one idle for `idleMs` is closed.
 */
export function createPeerSender(
  peer: PeerId,
  open: OpenStream,
  options: { idleMs?: number; maxLanes?: number } = {},
): PeerSender {
  const idleMs = options.idleMs ?? IDLE_CLOSE_MS;
  const maxLanes = Math.max(1, options.maxLanes ?? MAX_LANES);
  const lanes = new Set<LaneState>();
  const waiters = new Set<() => void>();
  let negotiated: string | undefined;
  let opened = 0;
  let closed = false;

  const usable = (s: Stream): boolean =>
    s.status === 'open' && s.writeStatus === 'writable' && s.remoteReadStatus === 'readable';

  const drop = (lane: LaneState): void => {
    clearTimeout(lane.idle);
    if (!lanes.delete(lane)) return;
    void lane.stream?.close().catch(() => {});
    wake();
  };

  const wake = (): void => {
    const next = waiters.values().next();
    if (next.done === true) return;
    waiters.delete(next.value);
    next.value();
  };

  const free = (lane: LaneState): void => {
    lane.busy = false;
    if (closed || lane.stream === undefined || !usable(lane.stream)) {
      drop(lane);
      return;
    }
    clearTimeout(lane.idle);
    lane.idle = setTimeout(() => {
      if (!lane.busy) drop(lane);
    }, idleMs);
    lane.idle.unref?.();
    wake();
  };

  /** Opens a lane, owned (busy) by the caller. */
  const openLane = async (signal?: AbortSignal): Promise<LaneState> => {
    const lane: LaneState = { busy: true };
    lanes.add(lane);
    const timeout = AbortSignal.timeout(OPEN_TIMEOUT_MS);
    const protocols = negotiated === undefined ? [...PROTOCOLS] : [negotiated];
    lane.opening = open(peer, protocols, {
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      // A second stream proposes what the first agreed on and writes at once.
      ...(negotiated === undefined ? {} : { negotiateFully: false }),
    });
    try {
      const stream = await lane.opening;
      lane.stream = stream;
      opened++;
      negotiated ??= stream.protocol;
      if (closed) throw new Error('the sender is closed');
      return lane;
    } catch (err) {
      lanes.delete(lane);
      wake();
      throw err;
    } finally {
      delete lane.opening;
    }
  };

  const handle = (lane: LaneState): Lane => {
    const stream = lane.stream as Stream;
    let done = false;
    const giveBack = (): void => {
      if (done) return;
      done = true;
      free(lane);
    };
    return {
      protocol: stream.protocol,
      async send(message, signal) {
        try {
          if (!stream.send(message) || stream.writeBufferLength > 0) await written(stream, signal);
        } catch (err) {
          // What it held may not have arrived: the stream is not used again.
          stream.abort(err instanceof Error ? err : new Error(String(err)));
          lanes.delete(lane);
          clearTimeout(lane.idle);
          done = true;
          wake();
          throw err;
        } finally {
          giveBack();
        }
      },
      release: giveBack,
    };
  };

  const acquire = async (signal?: AbortSignal): Promise<Lane> => {
    for (;;) {
      if (closed) throw new Error('the sender is closed');
      signal?.throwIfAborted();
      let opening = false;
      for (const lane of lanes) {
        if (lane.opening !== undefined) opening = true;
        if (lane.busy || lane.stream === undefined) continue;
        if (!usable(lane.stream)) {
          drop(lane);
          continue;
        }
        lane.busy = true;
        clearTimeout(lane.idle);
        return handle(lane);
      }
      // The first stream is still negotiating: a second would negotiate in full too.
      if (lanes.size < maxLanes && !(opening && negotiated === undefined))
        return handle(await openLane(signal));
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          waiters.delete(go);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        const go = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        waiters.add(go);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  };

  return {
    prepare() {
      if (lanes.size > 0 || closed) return;
      void openLane().then(free, () => {});
    },
    acquire,
    get opened() {
      return opened;
    },
    close() {
      closed = true;
      for (const lane of [...lanes]) drop(lane);
      for (const w of [...waiters]) {
        waiters.delete(w);
        w();
      }
    },
  };
}

/**
 * Waits until the stream's write buffer is empty (the muxer took every byte: its `idle`),
 * rejecting when the stream closes first or the signal aborts. Not `drain`, which only says
 * the stream can take more: after a drain the rest of a big message may still be waiting
 * for the receiver's window, and a reset then would lose it unnoticed.
 */
export function written(s: Stream, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      s.removeEventListener('idle', onIdle);
      s.removeEventListener('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onIdle = (): void => {
      if (s.writeBufferLength === 0) done();
    };
    const onClose = (): void =>
      done(new Error('the bitswap stream closed while a message was being written'));
    const onAbort = (): void => done(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal?.aborted === true) return onAbort();
    if (s.status !== 'open') return onClose();
    if (s.writeBufferLength === 0) return done();
    s.addEventListener('idle', onIdle);
    s.addEventListener('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import type { AbortOptions, PeerId, Stream } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { PROTOCOLS } from './protocol.js';

/** Opens an outbound stream (libp2p's `dialProtocol`). */
export type OpenStream = (peer: PeerId, protocols: string[], options: AbortOptions) => Promise<Stream>;

/**
 * A kept stream with nothing to send for this long is closed. A Helia receiver aborts an
 * incoming bitswap stream that brings no message within its receive timeout (5 s in Helia 5,
 * 10 s in Helia 7): a message written as that happens would be lost. kubo has no such
 * timeout. Well under both, and long against a round trip.
 */
export const IDLE_CLOSE_MS = 2_000;
const OPEN_TIMEOUT_MS = 10_000;

export interface PeerSender {
  /** Opens the stream now, so the first answer does not wait a round trip for negotiation. */
  prepare(): void;
  /** The protocol the next message goes out on (opening a stream if none is open). */
  protocol(signal?: AbortSignal): Promise<string>;
  /**
   * Writes one whole message (length prefix included). Resolves once all of it has left the
   * stream's write buffer for the muxer (at once while the send window has room); rejects
   * when the stream closes or resets before that (the caller re-queues what it carried).
   */
  send(message: Uint8ArrayList, signal?: AbortSignal): Promise<void>;
  /** Streams opened so far. */
  readonly opened: number;
  close(): void;
}

/**
 * One long-lived outbound bitswap stream to a peer, as boxo keeps (its MessageSender):
 * every message to the peer goes on it, so the receiver's yamux window grows with the
 * transfer instead of starting again at 256 KiB per stream, and no message pays a protocol
 * negotiation. Bitswap receivers (kubo, boxo, Helia) read any number of messages per stream.
 * One that was closed or reset is replaced by a new one on the next send.
 */
export function createPeerSender(peer: PeerId, open: OpenStream, idleMs = IDLE_CLOSE_MS): PeerSender {
  let current: Promise<Stream> | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let sending = 0;
  let opened = 0;
  let closed = false;

  const usable = (s: Stream): boolean =>
    s.status === 'open' && s.writeStatus === 'writable' && s.remoteReadStatus === 'readable';

  const stream = async (signal?: AbortSignal): Promise<Stream> => {
    if (closed) throw new Error('the sender is closed');
    if (current !== undefined) {
      const s = await current.catch(() => undefined);
      if (s !== undefined && usable(s)) return s;
      current = undefined;
    }
    const timeout = AbortSignal.timeout(OPEN_TIMEOUT_MS);
    const p = open(peer, [...PROTOCOLS], {
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    current = p;
    p.then(
      () => {
        opened++;
        armIdle();
      },
      () => {
        if (current === p) current = undefined;
      },
    );
    return p;
  };

  const armIdle = (): void => {
    clearTimeout(idle);
    if (sending > 0 || closed) return;
    idle = setTimeout(() => {
      if (sending > 0) return;
      const p = current;
      current = undefined;
      void p?.then((s) => s.close()).catch(() => {});
    }, idleMs);
    idle.unref?.();
  };

  return {
    prepare() {
      if (current === undefined && !closed) void stream().catch(() => {});
    },
    async protocol(signal) {
      return (await stream(signal)).protocol;
    },
    async send(message, signal) {
      sending++;
      clearTimeout(idle);
      try {
        const s = await stream(signal);
        if (!s.send(message) || s.writeBufferLength > 0) await written(s, signal);
      } finally {
        sending--;
        armIdle();
      }
    },
    get opened() {
      return opened;
    },
    close() {
      closed = true;
      clearTimeout(idle);
      const p = current;
      current = undefined;
      void p?.then((s) => s.close()).catch(() => {});
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

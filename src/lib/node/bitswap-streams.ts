import { isPeerId } from '@libp2p/interface';
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { raceAbort } from './util.js';

const BITSWAP = '/ipfs/bitswap/1.2.0';
/**
 * A kept stream with nothing to send for this long is closed. A Helia receiver aborts an
 * incoming bitswap stream that brings no message within its receive timeout (5 s in Helia 5,
 * 10 s in Helia 7); kubo has none. Well under both, and long against a round trip.
 */
const IDLE_MS = 2_000;
const OPEN_TIMEOUT_MS = 10_000;

interface Kept {
  stream: Promise<Stream | undefined>;
  /** Messages being written to it now (their senders hold a view of it). */
  users: number;
  idle?: ReturnType<typeof setTimeout>;
  dropped?: boolean;
}

export interface BitswapStreams {
  stop(): void;
  /**
   * Opens the kept stream to a peer we just connected to, before it asks for anything: a
   * new stream's protocol negotiation costs a round trip, which the first answer (the root
   * block) would otherwise wait for. Closed after {@link IDLE_MS} unused, like any other.
   */
  prepare(peer: PeerId): void;
  /** Streams opened to send messages. */
  opened(): number;
  /** Messages sent on a stream that was already open (the canary: 0 after a served DAG means no reuse). */
  reused(): number;
}

/**
 * Resolves when the stream's write buffer is empty (the muxer took every byte), or it
 * closed; rejects when the signal aborts.
 */
export async function written(s: Stream, signal?: AbortSignal): Promise<void> {
  if (s.writeBufferLength === 0 || s.status !== 'open') return;
  let stopListening = (): void => {};
  const emptied = new Promise<void>((resolve) => {
    const onIdle = (): void => {
      if (s.writeBufferLength === 0) finish();
    };
    const finish = (): void => {
      s.removeEventListener('idle', onIdle);
      s.removeEventListener('close', finish);
      resolve();
    };
    stopListening = finish;
    s.addEventListener('idle', onIdle);
    s.addEventListener('close', finish);
  });
  try {
    await raceAbort(emptied, signal);
  } finally {
    stopListening();
  }
}

/**
 * One long-lived outbound bitswap stream per peer we send blocks to, as go-bitswap keeps
 * (its MessageSender), instead of @helia/bitswap's new stream for every message.
 *
 * A new yamux stream starts with a 256 KiB send window, which the receiver widens only as
 * data flows, and each one costs a protocol negotiation and a close. On a 50 ms link that
 * capped a runner at about 6 MiB/s: every message of blocks (up to 4 MiB) began again at
 * 256 KiB per round trip. Messages on one kept stream let the receiver's window grow with
 * the transfer (go-yamux tunes it up to 16 MiB). The wire is unchanged: bitswap 1.2.0
 * receivers (kubo, boxo, Helia) read any number of length-prefixed messages per stream.
 *
 * How: @helia/bitswap sends a message by `libp2p.dialProtocol(peer, bitswap)`, then
 * `closeRead`, `send` per length-prefixed piece (`onDrain` when full), `close`, or `abort` on
 * an error. For the bitswap protocol to a peer id, this hands it a view of the kept stream
 * whose `closeRead` does nothing, whose `close` waits until the message is written out (as
 * Helia's own close does) and then releases it, and whose `abort` drops the kept stream (the
 * next message opens a new one). Each piece is one whole message written by one `send`, so
 * concurrent senders interleave whole messages only. A stream unused for {@link IDLE_MS} is
 * closed; one the other side closed or reset is replaced. Anything else passes through.
 */
export function keepBitswapStreams(libp2p: Libp2p): BitswapStreams {
  const dial = libp2p.dialProtocol.bind(libp2p);
  const kept = new Map<string, Kept>();
  let stopped = false;
  let opened = 0;
  let reused = 0;

  const usable = (s: Stream | undefined): s is Stream =>
    s !== undefined &&
    s.status === 'open' &&
    s.writeStatus === 'writable' &&
    s.remoteReadStatus === 'readable';

  const drop = (key: string, entry: Kept, err?: Error): void => {
    if (entry.dropped === true) return;
    entry.dropped = true;
    clearTimeout(entry.idle);
    if (kept.get(key) === entry) kept.delete(key);
    void entry.stream.then((s) => {
      if (s === undefined) return;
      if (err !== undefined) s.abort(err);
      else s.close().catch((e: unknown) => s.abort(e instanceof Error ? e : new Error(String(e))));
    });
  };

  const open = (
    peer: PeerId,
    key: string,
    options: AbortOptions & { runOnLimitedConnection?: boolean },
  ): Kept => {
    const entry: Kept = {
      users: 0,
      stream: dial(peer, BITSWAP, {
        signal: AbortSignal.timeout(OPEN_TIMEOUT_MS),
        ...(options.runOnLimitedConnection === undefined
          ? {}
          : { runOnLimitedConnection: options.runOnLimitedConnection }),
      }).then(
        async (s) => {
          opened++;
          // Nothing is ever read from it: bitswap answers come on the other side's streams.
          await s.closeRead().catch(() => {});
          return s;
        },
        () => {
          if (kept.get(key) === entry) kept.delete(key);
          return undefined;
        },
      ),
    };
    kept.set(key, entry);
    return entry;
  };

  /** Closes the stream after IDLE_MS unless a message uses it first. */
  const armIdle = (key: string, entry: Kept): void => {
    if (entry.users > 0 || entry.dropped === true) return;
    clearTimeout(entry.idle);
    entry.idle = setTimeout(() => {
      if (entry.users === 0) drop(key, entry);
    }, IDLE_MS);
    entry.idle.unref?.();
  };

  const release = (key: string, entry: Kept): void => {
    entry.users = Math.max(0, entry.users - 1);
    armIdle(key, entry);
  };

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const key = evt.detail.toString();
    const entry = kept.get(key);
    if (entry !== undefined) drop(key, entry, new Error('peer disconnected'));
  };
  libp2p.addEventListener('peer:disconnect', onDisconnect);

  libp2p.dialProtocol = async (peer, protocols, options) => {
    const bitswap =
      protocols === BITSWAP ||
      (Array.isArray(protocols) && protocols.length === 1 && protocols[0] === BITSWAP);
    if (stopped || !bitswap || !isPeerId(peer)) return dial(peer, protocols, options);
    const key = peer.toString();
    let entry = kept.get(key);
    let stream = entry === undefined ? undefined : await entry.stream;
    if (entry !== undefined && !usable(stream)) {
      drop(key, entry);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = open(peer, key, options ?? {});
      stream = await entry.stream;
      if (!usable(stream)) throw new Error(`could not open a bitswap stream to ${key}`);
    } else {
      reused++;
    }
    const e = entry;
    const s = stream as Stream;
    e.users++;
    clearTimeout(e.idle);
    let released = false;
    const done = (): void => {
      if (released) return;
      released = true;
      release(key, e);
    };
    // The part of the Stream API @helia/bitswap's sendMessage uses, on the kept stream.
    const view = {
      id: s.id,
      protocol: s.protocol,
      direction: s.direction,
      get status() {
        return s.status;
      },
      get writeStatus() {
        return s.writeStatus;
      },
      closeRead: async () => {},
      send: (data: Parameters<Stream['send']>[0]) => s.send(data),
      onDrain: (o?: AbortOptions) => s.onDrain(o),
      // What Helia's own close() does before it ends a stream: wait until the message has
      // left the write buffer. Without it sendMessage returned with megabytes still queued,
      // so "every block sent" fired seconds early on a slow link, the idle timer ran while
      // data was waiting, and nothing held the next message back.
      close: async (o?: AbortOptions) => {
        try {
          await written(s, o?.signal);
        } finally {
          done();
        }
      },
      abort: (err: Error) => {
        done();
        drop(key, e, err);
      },
    };
    return view as unknown as Stream;
  };

  return {
    prepare: (peer) => {
      const key = peer.toString();
      if (stopped || kept.has(key)) return;
      const entry = open(peer, key, {});
      // Nobody has used it yet: the idle clock starts once it is open.
      void entry.stream.then((st) => {
        if (st !== undefined) armIdle(key, entry);
      });
    },
    stop: () => {
      stopped = true;
      libp2p.removeEventListener('peer:disconnect', onDisconnect);
      for (const [key, entry] of [...kept]) drop(key, entry);
    },
    opened: () => opened,
    reused: () => reused,
  };
}

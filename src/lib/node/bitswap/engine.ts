import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { CID } from 'multiformats/cid';
import { CustomProgressEvent } from '../../progress.js';
import type { BlockStore } from '../block-store.js';
import { keyOf } from '../block-store.js';
import type { BitswapEvent } from './events.js';
import { createLedger } from './ledger.js';
import type { Ledger, LedgerEntry, Want } from './ledger.js';
import {
  MAX_MESSAGE_BYTES,
  PROTOCOLS,
  REPLACE_HAVE_WITH_BLOCK_BYTES,
  TARGET_MESSAGE_BYTES,
  hasPresences,
  isLegacy,
} from './protocol.js';
import { createPeerSender } from './sender.js';
import type { Lane, OpenStream, PeerSender } from './sender.js';
import {
  PRESENCE_DONT_HAVE,
  PRESENCE_HAVE,
  WANT_HAVE,
  blockWireSize,
  createFrameReader,
  decodeMessage,
  encodeMessage,
  varintLength,
} from './wire.js';
import type { OutgoingMessage, WireBlock, WirePresence } from './wire.js';

/** The parts of a libp2p node the engine uses: its public API only. */
export type EngineHost = Pick<
  Libp2p,
  'handle' | 'unhandle' | 'dialProtocol' | 'addEventListener' | 'removeEventListener'
>;

export interface BitswapEngineOptions {
  store: Pick<BlockStore, 'get' | 'size'>;
  /** Default {@link TARGET_MESSAGE_BYTES}. */
  targetMessageBytes?: number;
  /** Default {@link REPLACE_HAVE_WITH_BLOCK_BYTES}. */
  replaceHaveWithBlockBytes?: number;
  /** Idle time before a kept outbound stream is closed (tests). */
  idleCloseMs?: number;
  /** Incoming streams a peer may have open at once, per connection. Default 64. */
  maxInboundStreams?: number;
  /** Outbound streams a peer's messages are spread over at most. Default {@link MAX_LANES}. */
  maxStreams?: number;
}

export interface BitswapEngine {
  /** Opens the outbound stream to a peer we just connected to, before it asks for anything. */
  prepare(peer: PeerId): void;
  /**
   * Tells a peer, unasked, that we hold these blocks (HAVE presences; bitswap 1.2.0 only).
   * kubo >= 0.36 sends its want broadcasts only to peers that sent it a block or a HAVE
   * before (or that look local); one HAVE makes this node such a peer, and a session that
   * already wants the block asks for it at once.
   */
  announce(peer: PeerId, cids: CID[]): Promise<void>;
  /** Engine events as they happen; returns the unsubscribe. */
  subscribe(listener: (event: BitswapEvent) => void): () => void;
  stats(): {
    blocksSent: number;
    bytesSent: number;
    peers: number;
    /** When the first and the last block went out (ms since the epoch). */
    firstSentAt?: number;
    lastSentAt?: number;
  };
  stop(): Promise<void>;
}

interface PeerState {
  peer: PeerId;
  id: string;
  ledger: Ledger;
  sender: PeerSender;
  pumping: boolean;
  /**
   * The wants each message being written now carries, one map per message; a cancel that
   * comes meanwhile removes its want here, so a failed write does not bring it back.
   */
  inFlight: Set<Map<string, Want>>;
  /** Messages being written now. */
  writing: number;
  /** Writes that failed in a row. */
  failures: number;
}

interface Built {
  message: OutgoingMessage;
  sent: { cid: CID; bytes: number }[];
  presences: { cid: CID; presence: 'have' | 'dont-have' }[];
  /** The wants whose blocks the message carries, by key. */
  carried: Map<string, Want>;
}

/** Attempts in a row to write a message before the peer's wants are dropped. */
const MAX_SEND_FAILURES = 3;
const RETRY_MS = 100;

/**
 * A serving-only Bitswap engine: it answers the wants of peers from the store and never
 * asks for blocks itself. Behaviour follows boxo's server (`bitswap/server/internal/
 * decision`): a ledger per peer, answers in the peer's priority order straight from the
 * store, messages of about 16 KiB (a bigger block alone), HAVE and DONT_HAVE presences on
 * 1.2.0, up to 8 kept outbound streams per peer with the muxer's backpressure (one message
 * being written on each, see sender.ts), and never a
 * block nobody wanted (a want cancelled while its message was being written is not sent
 * again).
 */
export async function startBitswapEngine(
  host: EngineHost,
  options: BitswapEngineOptions,
): Promise<BitswapEngine> {
  const { store } = options;
  const target = options.targetMessageBytes ?? TARGET_MESSAGE_BYTES;
  const replaceBytes = options.replaceHaveWithBlockBytes ?? REPLACE_HAVE_WITH_BLOCK_BYTES;
  const peers = new Map<string, PeerState>();
  const listeners = new Set<(event: BitswapEvent) => void>();
  const stopping = new AbortController();
  const open: OpenStream = (peer, protocols, opts) => host.dialProtocol(peer, protocols, opts);
  let blocksSent = 0;
  let bytesSent = 0;
  let firstSentAt: number | undefined;
  let lastSentAt: number | undefined;

  const emit = (event: BitswapEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own.
      }
    }
  };

  const stateOf = (peer: PeerId): PeerState => {
    const id = peer.toString();
    let state = peers.get(id);
    if (state === undefined) {
      state = {
        peer,
        id,
        ledger: createLedger(),
        sender: createPeerSender(peer, open, {
          ...(options.idleCloseMs === undefined ? {} : { idleMs: options.idleCloseMs }),
          ...(options.maxStreams === undefined ? {} : { maxLanes: options.maxStreams }),
        }),
        pumping: false,
        inFlight: new Set(),
        writing: 0,
        failures: 0,
      };
      peers.set(id, state);
    }
    return state;
  };

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    const state = peers.get(id);
    if (state === undefined) return;
    peers.delete(id);
    state.ledger.clear();
    state.inFlight.clear();
    state.sender.close();
    emit(new CustomProgressEvent('bitswap:peer:gone', { peer: id }));
  };
  host.addEventListener('peer:disconnect', onDisconnect);

  const receive = (peer: PeerId, bytes: Uint8Array): void => {
    const message = decodeMessage(bytes);
    const wantlist = message.wantlist;
    if (wantlist === undefined) return;
    const state = stateOf(peer);
    const entries: LedgerEntry[] = [];
    let wants = 0;
    let cancels = 0;
    for (const e of wantlist.entries) {
      let cid: CID;
      try {
        cid = CID.decode(e.cid);
      } catch {
        continue;
      }
      const key = keyOf(cid);
      if (e.cancel) {
        cancels++;
        for (const carried of state.inFlight) carried.delete(key);
      } else wants++;
      entries.push({
        key,
        cid,
        priority: e.priority,
        type: e.wantType === WANT_HAVE ? 'have' : 'block',
        sendDontHave: e.sendDontHave,
        cancel: e.cancel,
      });
    }
    if (wantlist.full) for (const carried of state.inFlight) carried.clear();
    state.ledger.apply(entries, wantlist.full);
    const at = Date.now();
    emit(new CustomProgressEvent('bitswap:message:received', { peer: state.id, wants, cancels, at }));
    for (const e of entries)
      if (!e.cancel)
        emit(new CustomProgressEvent('bitswap:want:received', { peer: state.id, cid: e.cid, want: e.type }));
    schedule(state);
  };

  const onStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const reader = createFrameReader(MAX_MESSAGE_BYTES);
    try {
      for await (const chunk of stream) {
        for (const bytes of reader.push(chunk)) receive(connection.remotePeer, bytes);
      }
      // The peer closed its side: nothing is ever written back on its stream.
      await stream.close().catch(() => {});
    } catch (err) {
      // A malformed message resets the stream, as boxo's reader does.
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  };
  await host.handle([...PROTOCOLS], onStream, {
    maxInboundStreams: options.maxInboundStreams ?? 64,
    runOnLimitedConnection: false,
  });

  const schedule = (state: PeerState): void => {
    if (state.pumping || state.ledger.size === 0 || stopping.signal.aborted) return;
    state.pumping = true;
    void pump(state).finally(() => {
      state.pumping = false;
      // Wants that came in as the last message went out.
      if (peers.get(state.id) === state) schedule(state);
    });
  };

  /**
   * Answers the peer's wants, a message at a time in its priority order, until its ledger
   * is empty: each message is built when a stream is free to take it (so a cancel that came
   * meanwhile is honoured) and written without waiting for the one before it.
   */
  const pump = async (state: PeerState): Promise<void> => {
    while (state.ledger.size > 0 && !stopping.signal.aborted && peers.get(state.id) === state) {
      let lane: Lane;
      try {
        lane = await state.sender.acquire(stopping.signal);
      } catch {
        if (stopping.signal.aborted) return;
        if (++state.failures >= MAX_SEND_FAILURES) return giveUp(state);
        await pause(RETRY_MS * state.failures);
        continue;
      }
      const built = build(state, lane.protocol);
      if (built.message.blocks.length === 0 && built.message.presences.length === 0) {
        lane.release();
        continue;
      }
      state.inFlight.add(built.carried);
      state.writing++;
      lane.send(encodeMessage(built.message, { legacy: isLegacy(lane.protocol) }), stopping.signal).then(
        () => onWritten(state, built),
        () => onFailed(state, built.carried),
      );
    }
  };

  /** A message left for the peer: counts and events, and the end of the wantlist. */
  const onWritten = (state: PeerState, built: Built): void => {
    state.writing--;
    state.inFlight.delete(built.carried);
    state.failures = 0;
    const at = Date.now();
    if (built.sent.length > 0) {
      firstSentAt ??= at;
      lastSentAt = at;
    }
    for (const b of built.sent) {
      blocksSent++;
      bytesSent += b.bytes;
      emit(new CustomProgressEvent('bitswap:block:sent', { peer: state.id, cid: b.cid, bytes: b.bytes, at }));
    }
    for (const p of built.presences)
      emit(
        new CustomProgressEvent('bitswap:presence:sent', {
          peer: state.id,
          cid: p.cid,
          presence: p.presence,
          asked: true,
        }),
      );
    if (state.ledger.size === 0 && state.writing === 0 && peers.get(state.id) === state)
      emit(new CustomProgressEvent('bitswap:wantlist:empty', { peer: state.id, at }));
  };

  /**
   * The stream went away under a message: what it carried may not have arrived. Its wants
   * still wanted (not cancelled meanwhile) go back, and a new stream is tried.
   */
  const onFailed = (state: PeerState, carried: Map<string, Want>): void => {
    state.writing--;
    state.inFlight.delete(carried);
    if (stopping.signal.aborted || peers.get(state.id) !== state) return;
    state.ledger.apply(
      [...carried.values()].map((w) => ({ ...w, cancel: false })),
      false,
    );
    if (++state.failures >= MAX_SEND_FAILURES) return giveUp(state);
    void pause(RETRY_MS * state.failures).then(() => schedule(state));
  };

  const giveUp = (state: PeerState): void => {
    // No stream to the peer after several tries: it is going away (a disconnect follows).
    // Its fetcher asks again on a new connection.
    state.ledger.clear();
    for (const carried of state.inFlight) carried.clear();
    state.failures = 0;
  };

  /** Takes wants off the ledger, in priority order, into one message of about `target` bytes. */
  const build = (state: PeerState, protocol: string): Built => {
    const presencesOk = hasPresences(protocol);
    const blocks: WireBlock[] = [];
    const wirePresences: WirePresence[] = [];
    const sent: { cid: CID; bytes: number }[] = [];
    const presences: { cid: CID; presence: 'have' | 'dont-have' }[] = [];
    const carried = new Map<string, Want>();
    let size = 0;
    for (;;) {
      const w = state.ledger.peek();
      if (w === undefined) break;
      const bytes = store.size(w.cid);
      if (bytes === undefined) {
        state.ledger.take();
        if (presencesOk && w.sendDontHave) {
          wirePresences.push({ cid: w.cid.bytes, type: PRESENCE_DONT_HAVE });
          presences.push({ cid: w.cid, presence: 'dont-have' });
          size += presenceSize(w.cid);
        }
      } else if (presencesOk && w.type === 'have' && bytes > replaceBytes) {
        state.ledger.take();
        wirePresences.push({ cid: w.cid.bytes, type: PRESENCE_HAVE });
        presences.push({ cid: w.cid, presence: 'have' });
        size += presenceSize(w.cid);
      } else {
        const prefix = prefixOf(w.cid);
        const wire = blockWireSize(prefix.byteLength, bytes);
        if (blocks.length > 0 && size + wire > target) break;
        state.ledger.take();
        const data = store.get(w.cid);
        if (data === undefined) continue;
        blocks.push({ prefix, data });
        sent.push({ cid: w.cid, bytes: data.byteLength });
        carried.set(w.key, w);
        size += wire;
      }
      if (size >= target) break;
    }
    return { message: { blocks, presences: wirePresences }, sent, presences, carried };
  };

  return {
    prepare(peer) {
      if (stopping.signal.aborted) return;
      stateOf(peer).sender.prepare();
    },
    async announce(peer, cids) {
      if (stopping.signal.aborted || cids.length === 0) return;
      const state = stateOf(peer);
      const lane = await state.sender.acquire(stopping.signal);
      if (!hasPresences(lane.protocol)) return lane.release();
      await lane.send(
        encodeMessage({ blocks: [], presences: cids.map((c) => ({ cid: c.bytes, type: PRESENCE_HAVE })) }),
        stopping.signal,
      );
      for (const cid of cids)
        emit(
          new CustomProgressEvent('bitswap:presence:sent', {
            peer: state.id,
            cid,
            presence: 'have' as const,
            asked: false,
          }),
        );
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats: () => ({
      blocksSent,
      bytesSent,
      peers: peers.size,
      ...(firstSentAt === undefined ? {} : { firstSentAt }),
      ...(lastSentAt === undefined ? {} : { lastSentAt }),
    }),
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort(new Error('the bitswap engine stopped'));
      host.removeEventListener('peer:disconnect', onDisconnect);
      for (const state of peers.values()) {
        state.ledger.clear();
        state.sender.close();
      }
      peers.clear();
      listeners.clear();
      await host.unhandle([...PROTOCOLS]).catch(() => {});
    },
  };
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
  });

function presenceSize(cid: CID): number {
  const inner = 1 + varintLength(cid.bytes.byteLength) + cid.bytes.byteLength + 2;
  return 1 + varintLength(inner) + inner;
}

const prefixes = new Map<string, Uint8Array>();

/**
 * The CID prefix a 1.1.0+ block travels with: version, codec, hash function and digest
 * length, each a uvarint (go-cid's `Prefix.Bytes()`); the receiver hashes the data with it
 * to get the CID back. A CIDv0 is version 0, dag-pb, sha2-256, 32.
 */
export function prefixOf(cid: CID): Uint8Array {
  const parts = [cid.version, cid.code, cid.multihash.code, cid.multihash.size];
  const key = parts.join('/');
  let prefix = prefixes.get(key);
  if (prefix === undefined) {
    const out: number[] = [];
    for (let n of parts) {
      while (n >= 0x80) {
        out.push((n % 128) | 0x80);
        n = Math.floor(n / 128);
      }
      out.push(n);
    }
    prefix = Uint8Array.from(out);
    prefixes.set(key, prefix);
  }
  return prefix;
}

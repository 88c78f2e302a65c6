// A bare bitswap peer for tests and captures: a libp2p node with our wire codec that keeps
// every message it receives, raw and decoded, and sends whatever message it is told to, on
// a kept or a fresh stream. No sessions, no debounce, no store: a test decides each step.
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import { multiaddr } from '@multiformats/multiaddr';
import { PROTOCOLS } from '../../src/lib/node/bitswap/protocol.js';
import { createFrameReader, decodeMessage, encodeMessage } from '../../src/lib/node/bitswap/wire.js';
import type { OutgoingMessage, WireMessage } from '../../src/lib/node/bitswap/wire.js';

export interface ReceivedFrame {
  from: string;
  protocol: string;
  /** The message as it came, without its length prefix. */
  bytes: Uint8Array;
  message: WireMessage;
  at: number;
  /** Which inbound stream it came on: 1 for the first the peer accepted, and so on. */
  stream: number;
}

export interface BitswapPeer extends AsyncDisposable {
  peerId: string;
  multiaddrs: string[];
  libp2p: Libp2p;
  /** Every message received so far, in order. */
  frames: ReceivedFrame[];
  /** Resolves with the first frame (already here or still to come) that `match` accepts. */
  waitFor(match: (f: ReceivedFrame) => boolean, timeoutMs?: number): Promise<ReceivedFrame>;
  /** Sends one message to a connected peer, on the kept stream unless `fresh`. */
  send(to: string, message: OutgoingMessage, options?: { fresh?: boolean; protocol?: string }): Promise<void>;
  /** Opens a raw bitswap stream (for partial writes and resets). */
  openStream(to: string, protocol?: string): Promise<Stream>;
  /**
   * Called for each inbound bitswap stream before it is read; return true to abort it once
   * `afterBytes` have arrived on it (a receiver resetting mid-message).
   */
  abortInbound(afterBytes: number, count?: number): void;
  /** Stops reading inbound bitswap streams (the muxer's window then closes on the sender), or reads again. */
  pauseInbound(paused: boolean): void;
  /** Inbound streams it reset (abortInbound). */
  resets(): number;
  dial(addrs: string[]): Promise<void>;
  stop(): Promise<void>;
}

export interface BitswapPeerOptions {
  listen?: boolean;
  /** Refuse every outbound dial (a peer behind a firewall that only uses connections others open). */
  noDial?: boolean;
  /** Protocols it speaks. Default all three. */
  protocols?: string[];
}

export async function startBitswapPeer(options: BitswapPeerOptions = {}): Promise<BitswapPeer> {
  const node = await createLibp2p({
    addresses: { listen: options.listen === false ? [] : ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionMonitor: { abortConnectionOnPingFailure: false },
    ...(options.noDial === true ? { connectionGater: { denyDialMultiaddr: () => true } } : {}),
  });
  const frames: ReceivedFrame[] = [];
  const waiters = new Set<{ match: (f: ReceivedFrame) => boolean; resolve: (f: ReceivedFrame) => void }>();
  let aborts: { afterBytes: number; left: number } | undefined;
  let resets = 0;
  let accepted = 0;
  const kept = new Map<string, Stream>();
  const inbound = new Set<Stream>();
  let paused = false;
  const protocols = options.protocols ?? [...PROTOCOLS];

  await node.handle(
    protocols,
    (stream, connection) => {
      const from = connection.remotePeer.toString();
      const ordinal = ++accepted;
      inbound.add(stream);
      stream.addEventListener('close', () => inbound.delete(stream));
      if (paused) stream.pause();
      const abortPlan = aborts !== undefined && aborts.left > 0 ? aborts : undefined;
      if (abortPlan !== undefined) abortPlan.left--;
      void (async () => {
        const reader = createFrameReader(4 * 1024 * 1024);
        let seen = 0;
        try {
          for await (const chunk of stream) {
            seen += chunk.byteLength;
            if (abortPlan !== undefined && seen >= abortPlan.afterBytes) {
              stream.abort(new Error('test: receiver resets mid-message'));
              resets++;
              return;
            }
            for (const bytes of reader.push(chunk)) {
              const frame: ReceivedFrame = {
                from,
                protocol: stream.protocol,
                bytes: Uint8Array.prototype.slice.call(bytes),
                message: decodeMessage(bytes),
                at: Date.now(),
                stream: ordinal,
              };
              frames.push(frame);
              for (const w of [...waiters])
                if (w.match(frame)) {
                  waiters.delete(w);
                  w.resolve(frame);
                }
            }
          }
        } catch {
          // a reset stream: the sender opens another
        }
      })();
    },
    { maxInboundStreams: 256 },
  );

  const peerOf = (id: string): PeerId => peerIdFromString(id);
  const stop = async (): Promise<void> => {
    await node.stop();
  };

  return {
    peerId: node.peerId.toString(),
    multiaddrs: node.getMultiaddrs().map((m) => m.toString()),
    libp2p: node,
    frames,
    waitFor(match, timeoutMs = 15_000) {
      const found = frames.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w))
            reject(new Error(`no matching bitswap message in ${timeoutMs} ms (${frames.length} received)`));
        }, timeoutMs).unref();
      });
    },
    async send(to, message, sendOptions = {}) {
      const protocol = sendOptions.protocol ?? protocols[0] ?? PROTOCOLS[0];
      let s = sendOptions.fresh === true ? undefined : kept.get(to);
      if (s === undefined || s.status !== 'open') {
        s = await node.dialProtocol(peerOf(to), protocol);
        if (sendOptions.fresh !== true) kept.set(to, s);
      }
      if (!s.send(encodeMessage(message, { legacy: protocol === PROTOCOLS[2] })))
        await new Promise((r) => s.addEventListener('drain', r, { once: true }));
      if (sendOptions.fresh === true) await s.close();
    },
    openStream: (to, protocol = protocols[0] ?? PROTOCOLS[0]) => node.dialProtocol(peerOf(to), protocol),
    abortInbound(afterBytes, count = 1) {
      aborts = { afterBytes, left: count };
    },
    resets: () => resets,
    pauseInbound(on) {
      paused = on;
      for (const s of inbound) {
        if (s.status !== 'open') continue;
        if (on) s.pause();
        else s.resume();
      }
    },
    async dial(addrs) {
      await node.dial(addrs.map((a) => multiaddr(a)));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

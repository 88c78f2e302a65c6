import type { CID } from 'multiformats/cid';
import type { CallOptions, ProgressEvent } from '../progress.js';
import type { ImportOptions, ImportResult } from '../unixfs/types.js';

export type NodeKind = 'embedded' | 'kubo-api' | 'kubo-binary';

export type NodeProgressEvent =
  | ProgressEvent<'node:start:done', { kind: NodeKind; peerId: string; ms: number }>
  | ProgressEvent<'node:dial:done', DialResult>
  | ProgressEvent<'node:peer:disconnected', { peerId: string }>
  /** A peer that had disconnected is connected again (re-dialled, or it dialled back). */
  | ProgressEvent<'node:peer:reconnected', { peerId: string }>
  | ProgressEvent<'node:blocks:served', NodeStats>;

export type NodeCallOptions = CallOptions<NodeProgressEvent>;

export interface NodeOptions extends NodeCallOptions {
  /** Default 'embedded'. */
  kind?: NodeKind;
  /** kubo-api: RPC URL, e.g. http://127.0.0.1:5001. */
  apiUrl?: string;
  /** kubo-binary: path to `ipfs` (default: `ipfs` on PATH). */
  binary?: string;
  /** Parent for the temp repo/blockstore (the action passes RUNNER_TEMP). Default os.tmpdir(). */
  tempDir?: string;
  /** Listen addresses for the embedded node. Default ['/ip4/0.0.0.0/tcp/0']. */
  listen?: string[];
  /**
   * Embedded node: block bytes kept in memory; blocks past this go to a blockstore on disk
   * under `tempDir`. Default 128 MiB. 0 writes every block to disk.
   */
  memoryBytes?: number;
  /** Per-dial timeout (ms). Default 15 s. */
  dialTimeoutMs?: number;
  /**
   * kubo kinds: also pin the imported root in kubo (`pin add`). Default false: the blocks
   * are added without a pin, so a daemon running GC may drop them after the job.
   */
  kuboPin?: boolean;
}

export interface DialResult {
  multiaddr: string;
  ok: boolean;
  peerId?: string;
  /** Why it failed, or 'unsupported transport' for one this node cannot use (QUIC, WebTransport, WebSockets, relays). */
  error?: string;
  ms: number;
}

export interface NodeStats {
  blocksServed: number;
  bytesServed: number;
  peers: number;
  /**
   * When the node last sent a block (ms since the epoch), for nodes that know it at once
   * (the embedded one); kubo's counters are read now and then, so kubo nodes leave it out.
   */
  lastServedAt?: number;
  /**
   * When a peer last came to have been sent every block this node holds (ms since the
   * epoch): a service fetching from us then holds the whole DAG. Embedded node only.
   */
  peerCompleteAt?: number;
  /**
   * When a peer last sent this node a bitswap message (ms since the epoch). A fetching kubo
   * cancels each want as its block arrives, so its messages go on until our last block has
   * landed. Embedded node only.
   */
  lastHeardAt?: number;
  /**
   * Embedded node: whether each of its reaches into libp2p's and @helia/bitswap's internals
   * is taking effect (README, "Dependencies we reach into"). For the canary tests and bug
   * reports; all zero or false means a dependency update switched it off.
   */
  touches?: NodeTouches;
}

export interface NodeTouches {
  /** Bitswap messages sent on a kept stream that was already open (bitswap-streams.ts). */
  bitswapStreamsReused: number;
  /** Outbound bitswap streams opened. */
  bitswapStreamsOpened: number;
  /** Peer-store rewrites skipped for a protocol the peer already lists (protocol-merges.ts). */
  mergesSkipped: number;
  /** Whether bitswap's network could be wrapped to see which blocks went to whom (sent-blocks.ts). */
  sentBlocksWatched: boolean;
  /** Messages with blocks seen through that wrap. */
  sentMessagesSeen: number;
  /** Messages of several blocks that the wrap sent as several small ones. */
  blockMessagesSplit: number;
  /** Incoming bitswap messages the wrap heard (its `bitswap:message` listener). */
  messagesHeard: number;
}

export interface IpfsNode {
  readonly kind: NodeKind;
  readonly peerId: string;
  /** Imports with our importer into this node's blockstore: same CID whatever the node. */
  import(path: string, options?: Omit<ImportOptions, 'blockstore'>): Promise<ImportResult>;
  addresses(): string[];
  /** Public, dialable addresses ending in /p2p/<id>, at most 20 (none behind NAT). */
  origins(): string[];
  dial(multiaddrs: string[], options?: NodeCallOptions): Promise<DialResult[]>;
  /** Stay connected to these peers; re-dial when dropped. */
  keep(multiaddrs: string[]): void;
  /** Whether the node holds this block (tests, pin flow sanity). */
  has(cid: CID): Promise<boolean>;
  stats(): NodeStats;
  stop(): Promise<void>;
}

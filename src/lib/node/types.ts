import type { CID } from 'multiformats/cid';
import type { CallOptions, ProgressEvent } from '../progress.js';
import type { ImportOptions, ImportResult } from '../unixfs/types.js';
import type { BitswapEvent } from './bitswap/events.js';

export type NodeKind = 'embedded' | 'kubo-api' | 'kubo-binary';
export type { BitswapEvent } from './bitswap/events.js';

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
  /** Distinct blocks the node holds (embedded node). */
  blocksHeld?: number;
  /** Milliseconds from the first block served to the last (embedded node). */
  servingMs?: number;
}

export interface DialOptions extends NodeCallOptions {
  /**
   * May these peers be reached on loopback, private, link-local (and similar) addresses?
   * Default true: a dial the caller asks for by hand is its own choice. The pin flow passes
   * its `privateDelegates`. When false, the embedded node refuses such addresses where the
   * address is final, after DNS (its connection gater, host.ts), for these dials and for
   * every later re-dial of these peers; the kubo nodes dial through kubo, which the pin
   * flow only hands addresses that do not name a private host.
   */
  allowPrivate?: boolean;
}

export interface KeepOptions {
  /**
   * Blocks to tell each kept peer we hold (HAVE presences), at once and on every
   * re-connection: the root of what it is to fetch. Embedded node only.
   */
  announce?: CID[];
}

export interface IpfsNode {
  readonly kind: NodeKind;
  readonly peerId: string;
  /** Imports with our importer into this node's blockstore: same CID whatever the node. */
  import(path: string, options?: Omit<ImportOptions, 'blockstore'>): Promise<ImportResult>;
  addresses(): string[];
  /** Public, dialable addresses ending in /p2p/<id>, at most 20 (none behind NAT). */
  origins(): string[];
  dial(multiaddrs: string[], options?: DialOptions): Promise<DialResult[]>;
  /** Stay connected to these peers; re-dial when dropped. */
  keep(multiaddrs: string[], options?: KeepOptions): void;
  /** Whether the node holds this block (tests, pin flow sanity). */
  has(cid: CID): Promise<boolean>;
  stats(): NodeStats;
  /**
   * What the serving engine does, as it happens (embedded node): wants received, blocks
   * sent. Returns the unsubscribe. kubo nodes have none: their counters are read instead.
   */
  subscribe?(listener: (event: BitswapEvent) => void): () => void;
  stop(): Promise<void>;
}

import type { CID } from 'multiformats/cid';

/**
 * A Helia 7 node standing in for a pinning service behind a firewall: it listens on
 * 127.0.0.1, never dials anyone (its connection gater denies every outbound dial) and
 * fetches a whole DAG over bitswap from whoever connected to it, checking every block.
 *
 * It lives in tools/helia-fetcher, a package of its own (installed by `npm run tools`), so
 * that ipfs-pin itself depends on no Helia; this file gives it types.
 */
export interface HeliaFetcher extends AsyncDisposable {
  peerId: string;
  /** /ip4/127.0.0.1/tcp/N/p2p/<peerId> */
  multiaddrs: string[];
  /** Walks the DAG from `root` (dag-pb links, raw leaves), fetching and verifying each block. */
  fetchDag(root: CID | string, options?: FetchOptions): Promise<FetchResult>;
  /** Closes every connection from this side, as a service restarting or pruning would. */
  hangUp(): Promise<void>;
  /** Peers connected right now. */
  peers(): string[];
  stop(): Promise<void>;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Wants in flight. Default 64. */
  concurrency?: number;
  /** Called after each verified block (blocks so far, bytes so far). */
  onBlock?: (blocks: number, bytes: number) => void;
}

export interface FetchResult {
  blocks: number;
  bytes: number;
  ms: number;
  /** Every CID walked, in the order verified (for comparing with another fetch). */
  cids: string[];
}

export interface HeliaFetcherOptions {
  /** Keep fetched blocks (default false: verify and forget, so RSS stays flat). */
  keep?: boolean;
}

/** A Helia 7 peer holding some blocks, listening nowhere: only a peer it dials can fetch them. */
export interface HeliaSource {
  serveTo(multiaddrs: string[]): Promise<void>;
  stop(): Promise<void>;
}

interface FetcherModule {
  startHeliaFetcher(options?: HeliaFetcherOptions): Promise<HeliaFetcher>;
  startHeliaSource(blocks: { cid: string; bytes: Uint8Array }[]): Promise<HeliaSource>;
}

const MODULE = new URL('../../tools/helia-fetcher/fetcher.js', import.meta.url).href;

async function load(): Promise<FetcherModule> {
  try {
    return (await import(MODULE)) as FetcherModule;
  } catch (err) {
    throw new Error(
      `the Helia test peers (tools/helia-fetcher) could not load: run \`npm run tools\` first (${String(err)})`,
      { cause: err },
    );
  }
}

export async function startHeliaFetcher(options: HeliaFetcherOptions = {}): Promise<HeliaFetcher> {
  return (await load()).startHeliaFetcher(options);
}

export async function startHeliaSource(blocks: { cid: string; bytes: Uint8Array }[]): Promise<HeliaSource> {
  return (await load()).startHeliaSource(blocks);
}

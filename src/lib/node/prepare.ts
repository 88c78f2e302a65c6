import { multiaddr } from '@multiformats/multiaddr';
import { abortError, errorMessage, IpfsPinError } from '../errors.js';
import { importDirectory } from '../unixfs/index.js';
import { DEFAULT_MEMORY_BYTES, createBlockStore } from './block-store.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import type { IpfsNode, NodeOptions } from './types.js';

/**
 * The embedded node before its start: its block store, which an import fills, and no
 * libp2p yet. The pin flow imports into it and starts the node only when a service needs
 * bitswap (an upload failed, or the service still fetches after it), so a job whose
 * uploads deliver never loads or runs libp2p. This module loads none of it either: the
 * host comes in with start().
 */
export interface PreparedNode {
  import: IpfsNode['import'];
  /** Starts libp2p and the engine on the blocks held: the node. Later calls get the same one. */
  start(): Promise<IpfsNode>;
  /** Removes the store of a node never started (a started one is removed by its stop()). */
  discard(): Promise<void>;
}

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0'];

export async function prepareEmbeddedNode(options: NodeOptions): Promise<PreparedNode> {
  // A wrong listen address fails here, before the import, even if the node never starts.
  for (const address of options.listen ?? DEFAULT_LISTEN) {
    try {
      multiaddr(address);
    } catch (err) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `listen address ${JSON.stringify(address)} is not a multiaddr: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  if (!Number.isFinite(memoryBytes) || memoryBytes < 0) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `memoryBytes must be a number of bytes, 0 or more (got ${String(memoryBytes)})`,
    );
  }
  const { signal } = options;
  if (signal?.aborted === true) throw abortError(signal, 'Starting the node');
  let dir: string;
  try {
    dir = await makeTempDir(options.tempDir, 'node');
  } catch (err) {
    throw startFailed(err);
  }
  const store = createBlockStore(dir, memoryBytes);
  let starting: Promise<IpfsNode> | undefined;
  let discarded = false;
  return {
    import: (path, importOptions = {}) =>
      importDirectory(path, {
        ...importOptions,
        blockstore: { put: (cid, bytes) => store.put(cid, bytes) },
      }),
    start() {
      if (discarded)
        return Promise.reject(
          new IpfsPinError('NODE_FAILED', 'The embedded IPFS node was discarded before its start'),
        );
      starting ??= import('./embedded.js').then(
        (m) => m.startEmbeddedNode({ dir, store, options }),
        async (err: unknown) => {
          // The module did not load: the store is ours to remove (a start that ran removes it).
          store.close();
          await removeDir(dir).catch(() => {});
          throw startFailed(err);
        },
      );
      return starting;
    },
    async discard() {
      if (starting !== undefined || discarded) return;
      discarded = true;
      store.close();
      await removeDir(dir).catch(() => {});
    },
  };
}

/** NODE_START_FAILED for what stopped the embedded node's start. */
export function startFailed(err: unknown): IpfsPinError {
  return new IpfsPinError(
    'NODE_START_FAILED',
    `The embedded IPFS node could not start: ${errorMessage(err)}`,
    {
      cause: err,
    },
  );
}

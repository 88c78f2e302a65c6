import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { IpfsPinError, abortError, isIpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { encodeFileLeaf, leanBufferImporter } from './buffer-importer.js';
import { createChunkPool } from './chunk-pool.js';
import { buildDirectory } from './directory.js';
import { persistDagPb } from './persist.js';
import { hashOnlySink, toStorage } from './sink.js';
import { postOrder } from './tree.js';
import type { DirEntry, FileEntry, Link, TreeEntry, TreeTotals } from './tree.js';
import type { BlockSink, ImportProgressEvent, ProfileParams } from './types.js';
import type { FileCandidate, ImportCandidate, SymlinkCandidate, TreeBuilder } from 'ipfs-unixfs-importer';

export interface BuildDagOptions {
  params: ProfileParams;
  sink: BlockSink;
  totals: TreeTotals;
  /** Small files (one chunk or less) imported at once; bigger ones go 4 at a time. Default 32. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: ImportProgressEvent) => void;
}

/** Keeps the importer's output in input order, one result per file or symlink: directories are ours. */
const passThrough: TreeBuilder = async function* (source) {
  yield* source;
};

/**
 * Files over one chunk go through the importer a few at a time (2 cores are busy hashing
 * with 4), with this many chunk bytes read ahead of hashing over all of them: memory stays
 * flat whatever the chunk size and the file sizes.
 */
const BIG_FILES_AT_ONCE = 4;
const BYTES_IN_FLIGHT = 32 * 1_048_576;

/**
 * Turns a tree (from disk or from memory) into a UnixFS DAG. Files and symlinks go through
 * ipfs-unixfs-importer with the profile's explicit parameters; directories are built
 * here, bottom-up, once all their children have final links.
 */
export async function buildDag(root: TreeEntry, options: BuildDagOptions): Promise<Link> {
  const { params, signal, onProgress, totals } = options;
  const store = toStorage(options.sink, signal);
  const concurrency = options.concurrency ?? 32;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `concurrency must be a positive integer, got ${String(concurrency)}`,
    );
  }
  let bytesRead = 0;
  let filesDone = 0;
  const progress = (): void => {
    onProgress?.(
      new CustomProgressEvent('unixfs:import:progress', {
        files: filesDone,
        bytes: bytesRead,
        totalFiles: totals.files,
        totalBytes: totals.bytes,
      }),
    );
  };

  async function* counted(source: AsyncIterable<Uint8Array>, large: boolean): AsyncGenerator<Uint8Array> {
    for await (const piece of source) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      bytesRead += piece.byteLength;
      if (large) progress();
      yield piece;
    }
  }

  // Chunk buffers are reused once their leaf is built: always for dag-pb leaves (the block
  // is a copy), and for raw leaves (the chunk is the block) when the store keeps nothing.
  const recycleBlocks = options.sink === hashOnlySink;
  const pool = createChunkPool(params.chunkSize + 32, Math.ceil((2 * BYTES_IN_FLIGHT) / params.chunkSize));
  const take = !params.rawLeaves || recycleBlocks ? pool.take : undefined;

  async function* candidates(): AsyncGenerator<ImportCandidate> {
    for (const entry of postOrder(root)) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      if (entry.kind === 'file' && !isSmall(entry)) {
        const candidate: FileCandidate = {
          path: entry.path,
          content: counted(entry.read(params.chunkSize, signal, take), entry.size > params.chunkSize),
        };
        yield candidate;
      } else if (entry.kind === 'symlink') {
        const candidate: SymlinkCandidate = { path: entry.path || entry.name, link: entry.target };
        yield candidate;
      }
    }
  }

  const finishDir = async (dir: DirEntry): Promise<void> => {
    const links = dir.children.map((child) => {
      if (!child.link) throw new Error(`internal: ${child.path} has no link`);
      return { name: child.name, cid: child.link.cid, size: child.link.size };
    });
    const { cid, size } = await buildDirectory(links, params, store);
    dir.link = { cid, size };
    // Keep only what the parent needs: the tree drains as the import goes.
    dir.children = [];
  };

  // Files of one chunk or less are one block each (what the importer's
  // reduceSingleLeafToSelf makes): built here, up to `concurrency` at once, ahead of the
  // consumer, without the importer's per-file generator stack (most of a site's cost).
  const isSmall = (e: TreeEntry): boolean => e.kind === 'file' && e.size <= params.chunkSize;
  const smallJobs = new Map<TreeEntry, Promise<Link>>();
  const ahead = postOrder(root);
  let inFlight = 0;
  let aheadDone = false;
  // Finished jobs wait in `smallJobs` until the consumer reaches them: without a cap, the
  // small files of a whole tree would be hashed while its big files are still being
  // read, and their links would all be held at once.
  const maxAhead = concurrency * 4;
  const startSmallJobs = (): void => {
    while (!aheadDone && inFlight < concurrency && smallJobs.size < maxAhead) {
      const step = ahead.next();
      if (step.done === true) {
        aheadDone = true;
        return;
      }
      const entry = step.value;
      if (entry.kind !== 'file' || !isSmall(entry)) continue;
      inFlight++;
      const job = smallFile(entry).finally(() => {
        inFlight--;
        startSmallJobs();
      });
      job.catch(() => undefined); // awaited, and reported, when the consumer gets there
      smallJobs.set(entry, job);
    }
  };
  const smallFile = async (entry: FileEntry): Promise<Link> => {
    const pieces: Uint8Array[] = [];
    for await (const piece of entry.read(params.chunkSize, signal)) pieces.push(piece);
    if (signal?.aborted) throw abortError(signal, 'The import');
    const bytes = pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
    if (bytes.byteLength > params.chunkSize) throw new Error(`internal: ${entry.path} is over one chunk`);
    bytesRead += bytes.byteLength;
    if (params.rawLeaves) {
      const cid = CID.createV1(raw.code, await sha256.digest(bytes));
      await store.put(cid, bytes);
      return { cid, size: bytes.byteLength };
    }
    const block = encodeFileLeaf(bytes);
    return { cid: await persistDagPb(block, params.cidVersion, store), size: block.byteLength };
  };

  const results = importer(candidates(), store, {
    cidVersion: params.cidVersion,
    rawLeaves: params.rawLeaves,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: params.chunkSize }),
    layout: balanced({ maxChildrenPerNode: params.maxLinks }),
    fileImportConcurrency: BIG_FILES_AT_ONCE,
    blockWriteConcurrency: Math.max(2, Math.floor(BYTES_IN_FLIGHT / BIG_FILES_AT_ONCE / params.chunkSize)),
    bufferImporter: leanBufferImporter({
      cidVersion: params.cidVersion,
      rawLeaves: params.rawLeaves,
      pool,
      recycleBlocks,
    }),
    wrapWithDirectory: false,
    treeBuilder: passThrough,
  });

  try {
    startSmallJobs();
    for (const entry of postOrder(root)) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      if (entry.kind === 'dir') {
        await finishDir(entry);
        continue;
      }
      const job = smallJobs.get(entry);
      // Started by now: jobs start in this same order, and every earlier one has finished.
      if (isSmall(entry) && !job) throw new Error(`internal: ${entry.path} was not started`);
      if (job) {
        smallJobs.delete(entry);
        startSmallJobs();
        entry.link = await job;
      } else {
        const step = await results.next();
        if (step.done === true) throw new Error(`internal: the importer skipped ${entry.path}`);
        entry.link = { cid: step.value.cid, size: Number(step.value.size) };
      }
      if (entry.kind === 'file') {
        filesDone++;
        progress();
      }
    }
    if ((await results.next()).done !== true)
      throw new Error('internal: the importer returned more entries than it was given');
  } catch (err) {
    await results.return(undefined).catch(() => undefined);
    if (isIpfsPinError(err)) throw err;
    if (signal?.aborted) throw abortError(signal, 'The import');
    throw new IpfsPinError(
      'IMPORT_FAILED',
      `Import failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (!root.link) throw new Error('internal: the root has no link');
  return root.link;
}

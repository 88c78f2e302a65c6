import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { abortError, errorMessage, IpfsPinError, isIpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { leanBufferImporter, storeLeaf } from './buffer-importer.js';
import { createChunkPool, createSizeClassPool } from './chunk-pool.js';
import { buildDirectory } from './directory.js';
import { hashOnlySink, toStorage } from './sink.js';
import { postOrder } from './tree.js';
import type { FileEntry, Link, SymlinkEntry, TreeEntry, TreeTotals } from './tree.js';
import type { NamedLink } from './hamt.js';
import type { CID } from 'multiformats/cid';
import type { BlockSink, ImportProgressEvent, ProfileParams } from './types.js';
import type { FileCandidate, ImportCandidate, SymlinkCandidate, TreeBuilder } from 'ipfs-unixfs-importer';

export interface BuildDagOptions {
  params: ProfileParams;
  sink: BlockSink;
  /**
   * The sink keeps no block once its `put` resolved (it hashed it, or wrote it out), so the
   * buffers may be reused. Default: only for the hash-only sink.
   */
  sinkKeepsNothing?: boolean;
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
const BYTES_IN_FLIGHT = 16 * 1_048_576;
/** Small-file buffers kept for reuse (the ones in use are bounded by `concurrency`). */
const SMALL_FILES_FREE_BYTES = 4 * 1_048_576;

/*
 * What is made once per file is a class instance, not an object literal. V8 tracks how
 * many objects from each literal survive and, once most do (the first small files' links
 * wait while big files are read), allocates every later one straight in the old
 * generation; each then keeps its young CID alive until a major collection. On a site
 * that followed big files, that doubled the young generation twice (+64 MiB peak RSS).
 */
class FileLink implements Link {
  readonly cid: CID;
  readonly size: number;
  constructor(cid: CID, size: number) {
    this.cid = cid;
    this.size = size;
  }
}

class ChildLink implements NamedLink {
  readonly name: string;
  readonly cid: CID;
  readonly size: number;
  constructor(name: string, cid: CID, size: number) {
    this.name = name;
    this.cid = cid;
    this.size = size;
  }
}

class SmallJob {
  readonly entry: FileEntry;
  readonly job: Promise<Link>;
  constructor(entry: FileEntry, job: Promise<Link>) {
    this.entry = entry;
    this.job = job;
  }
}

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
  const recycleBlocks = options.sinkKeepsNothing ?? options.sink === hashOnlySink;
  const pool = createChunkPool(params.chunkSize + 32, Math.ceil((2 * BYTES_IN_FLIGHT) / params.chunkSize));
  const take = !params.rawLeaves || recycleBlocks ? pool.take : undefined;
  // Whole small files, on the same terms.
  const smallPool = createSizeClassPool(SMALL_FILES_FREE_BYTES);
  const smallTake = !params.rawLeaves || recycleBlocks ? smallPool.take : undefined;
  const smallLeaves = {
    cidVersion: params.cidVersion,
    rawLeaves: params.rawLeaves,
    pool: smallPool,
    recycleBlocks,
  };

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

  // A file's link is needed until its directory is built, so it lives in a young array of
  // that directory's links, never on the (long-lived, old-generation) tree: a young object
  // stored in an old one survives every minor collection until a major one, and 40,000
  // such links made V8 double its young generation twice (+64 MiB RSS).
  const leafLink = async (entry: FileEntry | SymlinkEntry): Promise<Link> => {
    let link: Link;
    if (isSmall(entry)) {
      // Started by now: jobs start in this same order, and every earlier one has been taken.
      const next = smallJobs[smallJobsHead];
      if (next?.entry !== entry) throw new Error(`internal: ${entry.path} was not started`);
      smallJobs[smallJobsHead++] = undefined;
      if (smallJobsHead >= 64) {
        // A fresh array now and then: the old one may be long-lived, and what is stored in
        // it would then outlive its use until a major collection.
        smallJobs = smallJobs.slice(smallJobsHead);
        smallJobsHead = 0;
      }
      startSmallJobs();
      link = await next.job;
    } else {
      const step = await results.next();
      if (step.done === true) throw new Error(`internal: the importer skipped ${entry.path}`);
      link = { cid: step.value.cid, size: Number(step.value.size) };
    }
    if (entry.kind === 'file') {
      filesDone++;
      progress();
    }
    return link;
  };
  const entryLink = async (entry: TreeEntry): Promise<Link> => {
    if (signal?.aborted) throw abortError(signal, 'The import');
    if (entry.kind !== 'dir') return leafLink(entry);
    const links: NamedLink[] = [];
    for (const child of entry.children) {
      const { cid, size } = await entryLink(child);
      links.push(new ChildLink(child.name, cid, size));
    }
    // The tree drains as the import goes (the read-ahead passed this directory by now).
    entry.children = [];
    const { cid, size } = await buildDirectory(links, params, store);
    return { cid, size };
  };

  // Files of one chunk or less are one block each (what the importer's
  // reduceSingleLeafToSelf makes): built here, up to `concurrency` at once, ahead of the
  // consumer, without the importer's per-file generator stack (most of a site's cost).
  const isSmall = (e: TreeEntry): boolean => e.kind === 'file' && e.size <= params.chunkSize;
  // In tree order, taken from `smallJobsHead`.
  let smallJobs: (SmallJob | undefined)[] = [];
  let smallJobsHead = 0;
  const ahead = postOrder(root);
  let inFlight = 0;
  let aheadDone = false;
  // Finished jobs wait in `smallJobs` until the consumer reaches them: without a cap, the
  // small files of a whole tree would be hashed while its big files are still being
  // read, and their links would all be held at once.
  const maxAhead = concurrency * 4;
  const startSmallJobs = (): void => {
    while (!aheadDone && inFlight < concurrency && smallJobs.length - smallJobsHead < maxAhead) {
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
      smallJobs.push(new SmallJob(entry, job));
    }
  };
  const smallFile = async (entry: FileEntry): Promise<Link> => {
    let bytes: Uint8Array;
    if (entry.readWhole) bytes = await entry.readWhole(smallTake);
    else {
      const pieces: Uint8Array[] = [];
      for await (const piece of entry.read(params.chunkSize, signal, smallTake)) pieces.push(piece);
      bytes = pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
    }
    if (signal?.aborted) throw abortError(signal, 'The import');
    if (bytes.byteLength > params.chunkSize) throw new Error(`internal: ${entry.path} is over one chunk`);
    bytesRead += bytes.byteLength;
    const { cid, block } = await storeLeaf(bytes, smallLeaves, store);
    return new FileLink(cid, block.byteLength);
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

  let rootLink: Link;
  try {
    startSmallJobs();
    rootLink = await entryLink(root);
    if ((await results.next()).done !== true)
      throw new Error('internal: the importer returned more entries than it was given');
  } catch (err) {
    await results.return(undefined).catch(() => undefined);
    if (isIpfsPinError(err)) throw err;
    if (signal?.aborted) throw abortError(signal, 'The import');
    throw new IpfsPinError('IMPORT_FAILED', `Import failed: ${errorMessage(err)}`, { cause: err });
  }
  return rootLink;
}

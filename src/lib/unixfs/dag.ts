import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { IpfsPinError, abortError, isIpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { buildDirectory } from './directory.js';
import { toStorage } from './sink.js';
import { postOrder } from './tree.js';
import type { DirEntry, Link, TreeEntry, TreeTotals } from './tree.js';
import type { BlockSink, ImportProgressEvent, ProfileParams } from './types.js';
import type { FileCandidate, ImportCandidate, SymlinkCandidate, TreeBuilder } from 'ipfs-unixfs-importer';

export interface BuildDagOptions {
  params: ProfileParams;
  sink: BlockSink;
  totals: TreeTotals;
  /** Files imported at once. Default 32. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: ImportProgressEvent) => void;
}

/** Keeps the importer's output in input order, one result per file or symlink: directories are ours. */
const passThrough: TreeBuilder = async function* (source) {
  yield* source;
};

/**
 * Chunks read ahead of hashing, over all files at once: bounds memory whatever the chunk
 * size and concurrency (many small files need many files in flight, few big ones do not).
 */
const BYTES_IN_FLIGHT = 64 * 1_048_576;

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

  async function* candidates(): AsyncGenerator<ImportCandidate> {
    for (const entry of postOrder(root)) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      if (entry.kind === 'file') {
        const candidate: FileCandidate = {
          path: entry.path,
          content: counted(entry.read(params.chunkSize, signal), entry.size > params.chunkSize),
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

  const order = postOrder(root);
  const next = (): TreeEntry => {
    const step = order.next();
    if (step.done === true) throw new Error('internal: the importer returned more entries than it was given');
    return step.value;
  };

  try {
    const results = importer(candidates(), store, {
      cidVersion: params.cidVersion,
      rawLeaves: params.rawLeaves,
      reduceSingleLeafToSelf: true,
      chunker: fixedSize({ chunkSize: params.chunkSize }),
      layout: balanced({ maxChildrenPerNode: params.maxLinks }),
      fileImportConcurrency: concurrency,
      blockWriteConcurrency: Math.max(2, Math.floor(BYTES_IN_FLIGHT / concurrency / params.chunkSize)),
      wrapWithDirectory: false,
      treeBuilder: passThrough,
    });
    for await (const result of results) {
      let entry = next();
      while (entry.kind === 'dir') {
        await finishDir(entry);
        entry = next();
      }
      entry.link = { cid: result.cid, size: Number(result.size) };
      if (entry.kind === 'file') {
        filesDone++;
        progress();
      }
    }
    for (let step = order.next(); step.done !== true; step = order.next()) {
      if (step.value.kind !== 'dir') throw new Error(`internal: the importer skipped ${step.value.path}`);
      await finishDir(step.value);
    }
  } catch (err) {
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

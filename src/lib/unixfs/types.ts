import type { CID } from 'multiformats/cid';
import type { CallOptions, ProgressEvent } from '../progress.js';

export type ProfileName = 'unixfs-v1-2025' | 'kubo-cidv1' | 'unixfs-v0-2015';

/** The narrow blockstore the importer writes to (an interface-blockstore `put`). */
export interface BlockSink {
  put(cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }): unknown;
}

export interface SkippedEntry {
  /** Path relative to the imported root, '/'-separated. */
  path: string;
  reason: 'hidden' | 'ignored' | 'special-file' | 'symlink-outside';
  /** Human words, e.g. 'dot-file (pass hidden: true to include)'. */
  detail?: string;
}

export type ImportProgressEvent =
  | ProgressEvent<'unixfs:walk:done', { files: number; directories: number; symlinks: number; bytes: number }>
  | ProgressEvent<
      'unixfs:import:progress',
      { files: number; bytes: number; totalFiles?: number; totalBytes?: number }
    >
  | ProgressEvent<'unixfs:import:done', ImportResult>;

export interface ImportOptions extends CallOptions<ImportProgressEvent> {
  /** Default 'unixfs-v1-2025'. */
  profile?: ProfileName;
  /** Include dot-files (kubo --hidden). Default false: they are skipped and listed in `skipped`. */
  hidden?: boolean;
  /** gitignore-style patterns, relative to the root. */
  ignore?: string[];
  /** Where blocks go. Default: a sink that only hashes (keeps nothing). */
  blockstore?: BlockSink;
  /** Expert knobs on top of the profile (kubo's --chunker/--max-file-links/HAMT threshold). */
  overrides?: ProfileOverrides;
  /** Small files (one chunk or less) imported at once; bigger ones go 4 at a time. Default 32. */
  concurrency?: number;
  /**
   * Also write the DAG as a CARv1 file here (root = the CID), streamed as the blocks are
   * made. Its directory must exist (INVALID_INPUT, before anything is read, otherwise).
   */
  car?: string;
  /**
   * Flush the CAR to the disk before it takes its name (default true), so a crash never
   * leaves a complete-looking file that is not. A CAR read back at once and removed (the
   * pin flow's own, for an upload) has no use for that.
   */
  carSync?: boolean;
}

export interface ProfileOverrides {
  /** Fixed chunk size in bytes. */
  chunkSize?: number;
  /** Links per file DAG node (kubo --max-file-links). */
  maxLinks?: number;
  /** A directory becomes a HAMT when its size estimate is strictly greater than this. */
  hamtThresholdBytes?: number;
}

/** The explicit importer parameters a profile stands for. */
export interface ProfileParams {
  cidVersion: 0 | 1;
  rawLeaves: boolean;
  chunkSize: number;
  maxLinks: number;
  hamtFanout: number;
  hamtThresholdBytes: number;
  /** 'links-bytes': sum of name + CID bytes (kubo's estimate); 'block-bytes': exact dag-pb block size. */
  hamtEstimation: 'links-bytes' | 'block-bytes';
}

export interface ImportResult {
  cid: CID;
  profile: ProfileName;
  files: number;
  directories: number;
  symlinks: number;
  /** File content bytes imported. */
  bytes: number;
  skipped: SkippedEntry[];
  /**
   * The blocks the import made and their bytes, a block made twice (the same content in two
   * files) counted twice: no honest CAR of this DAG holds more (verifyCid's `dag` bound).
   */
  dag: { blocks: number; bytes: number };
  /** The CAR file written (absolute path), when `car` was given. */
  car?: string;
}

import type { CID } from 'multiformats/cid';

/** What a finished entry contributes to its parent directory. */
export interface Link {
  cid: CID;
  /** The DAG size (dag-pb Tsize): every block reachable from this one, itself included. */
  size: number;
}

interface EntryBase {
  /** The name in the parent directory (valid UTF-8). */
  name: string;
  /** Path relative to the imported root, '/'-separated; '' for the root. */
  path: string;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  /** Content bytes as listed: a total for progress, and the expected length when read. */
  size: number;
  /**
   * Streams the content; pieces should be chunk-sized (no bigger than needed for small files).
   * An implementation may read into buffers from `take` (which the importer reuses once a
   * chunk's block is built): every piece is then exactly `chunkSize` bytes but the last.
   */
  read(chunkSize: number, signal?: AbortSignal, take?: (size: number) => Buffer): AsyncIterable<Uint8Array>;
  /**
   * Optional, for a file of at most one chunk: the whole content in one buffer from `take`
   * (the import's common case, without a stream's machinery).
   */
  readWhole?(take?: (size: number) => Buffer): Promise<Uint8Array>;
}

export interface SymlinkEntry extends EntryBase {
  kind: 'symlink';
  target: string;
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  /** Sorted by name bytes, as kubo sorts (and as dag-pb requires). */
  children: TreeEntry[];
}

export type TreeEntry = FileEntry | SymlinkEntry | DirEntry;

export interface TreeTotals {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

export function compareNames(a: { name: string }, b: { name: string }): number {
  return Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8'));
}

/** Entries in post-order: every child before its directory, siblings in name order. */
export function* postOrder(entry: TreeEntry): Generator<TreeEntry> {
  if (entry.kind === 'dir') {
    for (const child of entry.children) yield* postOrder(child);
  }
  yield entry;
}

export function countTree(entry: TreeEntry): TreeTotals {
  const totals: TreeTotals = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  for (const e of postOrder(entry)) {
    if (e.kind === 'file') {
      totals.files++;
      totals.bytes += e.size;
    } else if (e.kind === 'dir') totals.directories++;
    else totals.symlinks++;
  }
  return totals;
}

export interface MemoryEntry {
  /** '/'-separated, relative. */
  path: string;
  bytes?: Uint8Array;
  symlink?: string;
  /** An (empty) directory when neither bytes nor symlink is given. */
}

/** A tree from in-memory entries (tests, streamed sources): parents are made as needed. */
export function treeFromEntries(entries: Iterable<MemoryEntry>): DirEntry {
  const root: DirEntry = { kind: 'dir', name: '', path: '', children: [] };
  const dirs = new Map<string, DirEntry>([['', root]]);
  const dirFor = (path: string): DirEntry => {
    const found = dirs.get(path);
    if (found) return found;
    const cut = path.lastIndexOf('/');
    const parent = dirFor(cut < 0 ? '' : path.slice(0, cut));
    const dir: DirEntry = { kind: 'dir', name: path.slice(cut + 1), path, children: [] };
    parent.children.push(dir);
    dirs.set(path, dir);
    return dir;
  };
  for (const e of entries) {
    const cut = e.path.lastIndexOf('/');
    const parent = dirFor(cut < 0 ? '' : e.path.slice(0, cut));
    const name = e.path.slice(cut + 1);
    if (e.symlink !== undefined) {
      parent.children.push({ kind: 'symlink', name, path: e.path, target: e.symlink });
    } else if (e.bytes !== undefined) {
      parent.children.push(bytesEntry(e.path, e.bytes));
    } else {
      dirFor(e.path);
    }
  }
  for (const dir of dirs.values()) dir.children.sort(compareNames);
  return root;
}

export function bytesEntry(path: string, bytes: Uint8Array): FileEntry {
  return {
    kind: 'file',
    name: path.slice(path.lastIndexOf('/') + 1),
    path,
    size: bytes.byteLength,
    read: async function* () {
      if (bytes.byteLength > 0) yield bytes;
    },
  };
}

import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { IpfsPinError, abortError } from '../errors.js';
import { fsError } from './fs-errors.js';
import { createIgnoreMatcher } from './ignore.js';
import { readFileChunks, readWholeFile } from './read-file.js';
import type { DirEntry, FileEntry, TreeEntry, TreeTotals } from './tree.js';
import type { SkippedEntry } from './types.js';

export interface WalkOptions {
  hidden?: boolean;
  ignore?: string[];
  signal?: AbortSignal;
}

export interface WalkResult {
  root: TreeEntry;
  totals: TreeTotals;
  skipped: SkippedEntry[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** How many lstat calls one directory runs at once. */
const STAT_BATCH = 64;

/**
 * Stats the path to import (following a symlink, as the import does), turning a missing
 * path into IMPORT_NOT_FOUND: callers check it before they start slower work.
 */
export async function statImportRoot(rootPath: string): Promise<Stats> {
  try {
    return await stat(nodePath.resolve(rootPath));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new IpfsPinError('IMPORT_NOT_FOUND', `No such file or directory: ${rootPath}`, {
        cause: err,
        data: { path: rootPath },
      });
    }
    throw fsError(err, rootPath, 'read');
  }
}

/**
 * Lists what kubo's `ipfs add -r` would add, without reading any content: dot-files
 * skipped unless `hidden`, symlinks kept as links (never followed), empty directories
 * kept, sockets/FIFOs/devices skipped, entries sorted by name bytes. The root path
 * itself is followed if it is a symlink: naming it is asking for what it points to.
 */
export async function walk(rootPath: string, options: WalkOptions = {}): Promise<WalkResult> {
  const { signal } = options;
  if (typeof rootPath !== 'string' || rootPath === '') {
    throw new IpfsPinError('INVALID_INPUT', 'The path to import must be a non-empty string');
  }
  const matcher = createIgnoreMatcher(options.ignore);
  const totals: TreeTotals = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const skipped: SkippedEntry[] = [];
  const absolute = nodePath.resolve(rootPath);
  const rootStats = await statImportRoot(rootPath);
  const name = nodePath.basename(absolute);
  if (rootStats.isFile()) {
    totals.files = 1;
    totals.bytes = rootStats.size;
    return { root: new DiskFile(name, rootStats.size, undefined, absolute), totals, skipped };
  }
  if (!rootStats.isDirectory()) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${rootPath} is not a file or a directory: there is nothing to import`,
      { data: { path: rootPath } },
    );
  }

  const walkDir = async (
    absDir: string,
    relDir: string,
    dirName: string,
    parent: DiskDir | undefined,
  ): Promise<DirEntry> => {
    if (signal?.aborted) throw abortError(signal, 'The import');
    totals.directories++;
    let dirents: Dirent<Buffer>[];
    try {
      dirents = await readdir(absDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      throw fsError(err, absDir, 'list the directory');
    }
    dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    const dir = new DiskDir(dirName, parent, absDir);
    const kept: { dirent: Dirent<Buffer>; name: string; rel: string; abs: string; stats?: Stats }[] = [];
    for (const dirent of dirents) {
      const lossy = dirent.name.toString('utf8');
      const rel = relDir === '' ? lossy : `${relDir}/${lossy}`;
      if (!options.hidden && dirent.name[0] === 0x2e) {
        skipped.push({ path: rel, reason: 'hidden', detail: hiddenDetail(lossy, dirent.isDirectory()) });
        continue;
      }
      let isDir = dirent.isDirectory();
      let stats: Stats | undefined;
      if (!dirent.isFile() && !isDir && !dirent.isSymbolicLink() && isUnknown(dirent)) {
        // Some filesystems do not report the type in the listing.
        stats = await lstatOrThrow(
          Buffer.concat([Buffer.from(`${absDir}${nodePath.sep}`), dirent.name]),
          `${absDir}${nodePath.sep}${lossy}`,
        );
        isDir = stats.isDirectory();
      }
      if (matcher?.(rel, isDir) === true) {
        skipped.push({ path: rel, reason: 'ignored', detail: 'matches an ignore pattern' });
        continue;
      }
      let name: string;
      try {
        name = strictUtf8.decode(dirent.name);
      } catch {
        throw new IpfsPinError(
          'IMPORT_INVALID_NAME',
          `File name is not valid UTF-8: ${nodePath.join(absDir, lossy)} (bytes: ${dirent.name.toString('hex')})`,
          { data: { path: rel, bytes: dirent.name.toString('hex') } },
        );
      }
      kept.push({ dirent, name, rel, abs: childAbs(absDir, name), ...(stats ? { stats } : {}) });
    }
    // Sizes for the totals: files need an lstat each, a few at a time.
    for (let i = 0; i < kept.length; i += STAT_BATCH) {
      await Promise.all(
        kept.slice(i, i + STAT_BATCH).map(async (k) => {
          if (k.stats === undefined && k.dirent.isFile()) k.stats = await lstatOrThrow(k.abs, k.abs);
        }),
      );
    }
    for (const k of kept) {
      const isDir = k.stats ? k.stats.isDirectory() : k.dirent.isDirectory();
      const isFile = k.stats ? k.stats.isFile() : k.dirent.isFile();
      const isLink = k.stats ? k.stats.isSymbolicLink() : k.dirent.isSymbolicLink();
      if (isDir) {
        dir.children.push(await walkDir(k.abs, k.rel, k.name, dir));
      } else if (isFile) {
        const size = k.stats?.size ?? 0;
        totals.files++;
        totals.bytes += size;
        dir.children.push(new DiskFile(k.name, size, dir));
      } else if (isLink) {
        dir.children.push({
          kind: 'symlink',
          name: k.name,
          path: k.rel,
          target: await symlinkTarget(k.abs, k.rel),
        });
        totals.symlinks++;
      } else {
        skipped.push({
          path: k.rel,
          reason: 'special-file',
          detail: `${specialKind(k.stats ?? k.dirent)}: UnixFS cannot store it`,
        });
      }
    }
    return dir;
  };

  return { root: await walkDir(absolute, '', name, undefined), totals, skipped };
}

/*
 * The tree of a walk lives until the import has passed it, and a site has tens of
 * thousands of files: an entry keeps only its name, its size and its parent, and works
 * out its paths when asked (errors, big files), about 100 bytes a file instead of 400.
 * Fewer long-lived objects also keep V8's young generation from growing during the walk.
 */
class DiskDir implements DirEntry {
  readonly kind = 'dir';
  children: TreeEntry[] = [];
  readonly name: string;
  readonly abs: string;
  private readonly parent: DiskDir | undefined;
  constructor(name: string, parent: DiskDir | undefined, abs: string) {
    this.name = name;
    this.parent = parent;
    this.abs = abs;
  }

  get path(): string {
    return childPath(this.parent, this.name);
  }
}

class DiskFile implements FileEntry {
  readonly kind = 'file';
  readonly name: string;
  readonly size: number;
  private readonly parent: DiskDir | undefined;
  /** Only for a file imported on its own (no parent). */
  private readonly rootAbs: string | undefined;
  constructor(name: string, size: number, parent: DiskDir | undefined, rootAbs?: string) {
    this.name = name;
    this.size = size;
    this.parent = parent;
    this.rootAbs = rootAbs;
  }

  get path(): string {
    return this.parent ? childPath(this.parent, this.name) : '';
  }

  private get abs(): string {
    return this.parent ? childAbs(this.parent.abs, this.name) : (this.rootAbs as string);
  }

  read(chunkSize: number, signal?: AbortSignal, take?: (size: number) => Buffer): AsyncIterable<Uint8Array> {
    return readFileChunks(this.abs, this.size, chunkSize, signal, take);
  }

  readWhole(take?: (size: number) => Buffer): Promise<Uint8Array> {
    return readWholeFile(this.abs, this.size, take);
  }
}

/** nodePath.join for a name from a listing (no separators, never '.' or '..'), without its parsing. */
function childAbs(dirAbs: string, name: string): string {
  return dirAbs.endsWith(nodePath.sep) ? `${dirAbs}${name}` : `${dirAbs}${nodePath.sep}${name}`;
}

/** '' is the root; its children are named as is, deeper entries joined with '/'. */
function childPath(parent: DiskDir | undefined, name: string): string {
  if (parent === undefined) return '';
  const above = parent.path;
  return above === '' ? name : `${above}/${name}`;
}

function isUnknown(dirent: Dirent<Buffer>): boolean {
  return !dirent.isFIFO() && !dirent.isSocket() && !dirent.isBlockDevice() && !dirent.isCharacterDevice();
}

async function lstatOrThrow(path: string | Buffer, display: string): Promise<Stats> {
  try {
    return await lstat(path);
  } catch (err) {
    throw fsError(err, display, 'read');
  }
}

async function symlinkTarget(abs: string, rel: string): Promise<string> {
  let target: Buffer;
  try {
    target = await readlink(abs, { encoding: 'buffer' });
  } catch (err) {
    throw fsError(err, abs, 'read the symlink');
  }
  try {
    return strictUtf8.decode(target);
  } catch {
    throw new IpfsPinError(
      'IMPORT_INVALID_NAME',
      `Symlink target is not valid UTF-8: ${abs} (bytes: ${target.toString('hex')})`,
      {
        data: { path: rel, bytes: target.toString('hex') },
      },
    );
  }
}

function specialKind(s: Stats | Dirent<Buffer>): string {
  if (s.isFIFO()) return 'FIFO (named pipe)';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice()) return 'block device';
  if (s.isCharacterDevice()) return 'character device';
  return 'special file';
}

function hiddenDetail(name: string, isDir: boolean): string {
  const what = isDir ? 'dot-directory' : 'dot-file';
  const how = 'pass hidden: true (CLI --hidden, action input hidden: true) to include it';
  if (name === '.well-known')
    return `${what} skipped: ${how}; sites usually need .well-known/ (security.txt, assetlinks.json...)`;
  return `${what} skipped: ${how}`;
}

import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { CarWriter } from '@ipld/car/writer';
import * as dagPb from '@ipld/dag-pb';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import { create as digest } from 'multiformats/hashes/digest';
import { IpfsPinError } from '../errors.js';
import type { BlockSink } from './types.js';

/**
 * Writes the import as a CARv1 file while the blocks are made: no second pass over the
 * data, and memory flat whatever the tree's size (each distinct block once; the set of CIDs
 * seen is the only thing that grows, some 100 bytes a block). `put` resolves once the
 * block's bytes are written out, so the importer may reuse its buffers.
 *
 * The root is only known at the end, and a CARv1 header names it first. The header is
 * written first for a stand-in root of the same CID version (so of the same byte length:
 * 34 bytes for CIDv0, 36 for a sha2-256 CIDv1, raw or dag-pb), then rewritten in place.
 *
 * All of it goes to a new file of our own next to the final path (created exclusively, never
 * through a symlink), renamed onto the final path once complete with its real root: the
 * final path only ever holds a whole CAR. Whatever was there (a file, or a symlink: the link
 * is replaced, its target untouched) stays until that rename; a failed or aborted import
 * removes the temporary file and leaves it as it was.
 */
export interface CarFile extends BlockSink {
  readonly path: string;
  /** Rewrites the header for the real root, closes the file and renames it onto `path`. */
  finish(root: CID): Promise<void>;
  /** Closes and removes the temporary file after a failed import (`path` is untouched). */
  abort(): Promise<void>;
}

/**
 * The absolute path, or INVALID_INPUT (checked before importing): its directory must exist,
 * it must not be a directory, and it must not lie inside `importPath` (real paths compared, so
 * a symlinked directory does not slip by): the next run would import the CAR itself.
 */
export async function checkCarPath(path: string, importPath?: string): Promise<string> {
  if (typeof path !== 'string' || path.trim() === '')
    throw new IpfsPinError('INVALID_INPUT', 'car: give a file path for the CAR file');
  const abs = resolve(path);
  const dir = dirname(abs);
  const s = await stat(dir).catch(() => undefined);
  if (s === undefined || !s.isDirectory()) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `car: the directory ${dir} does not exist: create it first (mkdir -p), or write the CAR somewhere else`,
    );
  }
  const target = await lstat(abs).catch(() => undefined);
  if (target?.isDirectory() === true)
    throw new IpfsPinError(
      'INVALID_INPUT',
      `car: ${abs} is a directory: give a file path such as ${abs}/site.car`,
    );
  if (importPath !== undefined) {
    const from = await realpath(resolve(importPath)).catch(() => undefined);
    // The CAR's own name is not resolved: a symlink there is replaced, not followed.
    const car = join(await realpath(dir), basename(abs));
    if (from !== undefined && isInside(car, from)) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `car: ${abs} is inside the imported path ${importPath}: the next run would import the CAR too (and this one would read it while it is written). Write it outside, e.g. ${join(dirname(resolve(importPath)), `${basename(abs)}`)}`,
      );
    }
  }
  return abs;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function standIn(cidVersion: 0 | 1): CID {
  const zero = digest(0x12, new Uint8Array(32));
  return cidVersion === 0 ? CID.createV0(zero) : CID.createV1(dagPb.code, zero);
}

/** A CARv1 header naming `root`. */
export async function carHeader(root: CID): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  const chunks: Uint8Array[] = [];
  const collect = (async () => {
    for await (const c of out) chunks.push(c);
  })();
  await writer.close();
  await collect;
  return Buffer.concat(chunks);
}

export async function createCarFile(
  path: string,
  cidVersion: 0 | 1,
  importPath?: string,
  { sync = true }: { sync?: boolean } = {},
): Promise<CarFile> {
  const abs = await checkCarPath(path, importPath);
  await removeStalePartials(abs);
  const placeholder = await carHeader(standIn(cidVersion));
  // Hidden, in the same directory (so the rename stays on one file system), never an
  // existing file or link: O_EXCL refuses anything there, O_NOFOLLOW a link.
  const temp = join(dirname(abs), `.${basename(abs)}.${randomBytes(6).toString('hex')}.partial`);
  const handle = await open(
    temp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  ).catch((err: unknown) => {
    throw carError(abs, err instanceof Error ? err : new Error(String(err)));
  });
  const seen = new Set<string>();
  // Each block goes at its own offset, so puts may overlap; the header is rewritten at 0.
  let offset = 0;
  const writeAt = async (parts: Uint8Array[]): Promise<void> => {
    const at = offset;
    for (const p of parts) offset += p.byteLength;
    await handle.writev(parts, at);
  };
  let settled = false;
  try {
    await writeAt([placeholder]);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw carError(abs, err instanceof Error ? err : new Error(String(err)));
  }

  return {
    path: abs,
    async put(cid, bytes) {
      const key = cid.toString();
      if (seen.has(key)) return;
      seen.add(key);
      const len = cid.bytes.byteLength + bytes.byteLength;
      // Resolved once the block's bytes are written out, not merely queued: what waits in
      // memory is bounded by the importer's own concurrency, whatever the disk's speed.
      await writeAt([
        varint.encodeTo(len, new Uint8Array(varint.encodingLength(len))),
        cid.bytes,
        bytes,
      ]).catch((err: unknown) => {
        throw carError(abs, err instanceof Error ? err : new Error(String(err)));
      });
    },
    async finish(root) {
      settled = true;
      try {
        const header = await carHeader(root);
        if (header.byteLength !== placeholder.byteLength) {
          throw new IpfsPinError(
            'IMPORT_FAILED',
            `car: the root ${root.toString()} does not fit the header written for a CIDv${cidVersion}`,
          );
        }
        await handle.write(header, 0, header.byteLength, 0);
        if (sync) await handle.datasync();
        await handle.close();
        // rename replaces whatever is at the final path (a symlink itself, not its target).
        await rename(temp, abs);
      } catch (err) {
        await handle.close().catch(() => {});
        await rm(temp, { force: true }).catch(() => {});
        throw err instanceof IpfsPinError
          ? err
          : carError(abs, err instanceof Error ? err : new Error(String(err)));
      }
    },
    async abort() {
      if (settled) return;
      settled = true;
      await handle.close().catch(() => {});
      await rm(temp, { force: true }).catch(() => {});
    },
  };
}

/**
 * A write grows its temporary file block by block; one untouched this long belongs to a run
 * that was killed (SIGKILL, a lost runner) before it could remove it.
 */
export const STALE_PARTIAL_MS = 60 * 60_000;

/**
 * Removes what killed runs left beside `abs`: our own temporary names for this very file
 * (`.<name>.<12 hex>.partial`), regular files only (never a link), untouched for
 * {@link STALE_PARTIAL_MS}. Best effort: a file it cannot read or remove stays.
 */
async function removeStalePartials(abs: string): Promise<void> {
  const dir = dirname(abs);
  const prefix = `.${basename(abs)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{12}\.partial$/.test(name.slice(prefix.length))) continue;
    const file = join(dir, name);
    try {
      const info = await lstat(file);
      if (info.isFile() && now - info.mtimeMs > STALE_PARTIAL_MS) await rm(file, { force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

function carError(path: string, cause: Error): IpfsPinError {
  return new IpfsPinError('IMPORT_FAILED', `Writing the CAR file ${path} failed: ${cause.message}`, {
    cause,
  });
}

/** Both sinks get every block: the importer's own, and the CAR file. */
export function teeSink(a: BlockSink, b: BlockSink): BlockSink {
  return {
    async put(cid, bytes, opts) {
      await Promise.all([a.put(cid, bytes, opts), b.put(cid, bytes, opts)]);
    },
  };
}

import * as fs from 'node:fs';
import { IpfsPinError, abortError } from '../errors.js';
import { fsError } from './fs-errors.js';

/**
 * Opens a file the walk saw as a regular file, without ever blocking: something may have
 * put a FIFO (or a device) at that path since, and a plain open() of a FIFO waits for a
 * writer forever, out of reach of any signal or deadline. O_NONBLOCK changes nothing for a
 * regular file; fstat then refuses anything else with IMPORT_FAILED.
 */
function openRegular(path: string, done: (err: Error | null, fd: number) => void): void {
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
  fs.open(path, flags, (openErr, fd) => {
    if (openErr) {
      done(fsError(openErr, path, 'open the file'), -1);
      return;
    }
    fs.fstat(fd, (statErr, stat) => {
      if (statErr || !stat.isFile()) {
        fs.close(fd, () =>
          done(
            statErr
              ? fsError(statErr, path, 'open the file')
              : changed(path, 'became a special file (a FIFO, socket or device)'),
            -1,
          ),
        );
        return;
      }
      done(null, fd);
    });
  });
}

const open = (path: string): Promise<number> =>
  new Promise((resolve, reject) => openRegular(path, (err, fd) => (err ? reject(err) : resolve(fd))));
const read = (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> =>
  new Promise((resolve, reject) =>
    fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
const close = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

interface Piece {
  bytes: Uint8Array;
  /** Past the size the walk saw: the file grew. */
  grew: boolean;
}

/**
 * Streams a file in reads sized to it: one exact read for a file up to a chunk (no big
 * buffer per small file, which costs GC time), chunk-sized reads for a big one, the next
 * read already running while the importer hashes the current piece. The last read asks
 * for one byte more, so a file that grew since the walk is seen without an extra read.
 * `take` lends the buffers (a chunk pool): pieces are exactly one chunk but the last, so
 * a fixed-size chunker passes them on whole and no view of a lent buffer outlives its chunk.
 */
export async function* readFileChunks(
  path: string,
  size: number,
  chunkSize: number,
  signal?: AbortSignal,
  take: (size: number) => Buffer = Buffer.allocUnsafe,
): AsyncGenerator<Uint8Array> {
  const fd = await open(path);

  const readPiece = async (position: number): Promise<Piece> => {
    const left = size - position;
    const want = left > chunkSize ? chunkSize : left + 1;
    const buffer = take(want);
    let filled = 0;
    while (filled < want) {
      let n: number;
      try {
        n = await read(fd, buffer, filled, want - filled, position + filled);
      } catch (err) {
        throw fsError(err, path, 'read the file');
      }
      if (n === 0) break;
      filled += n;
      // On a regular file a short read means EOF once we have what the walk saw.
      if (position + filled >= size) break;
    }
    if (position + filled < size && filled < want) throw changed(path, 'shrank');
    return { bytes: filled === want ? buffer : buffer.subarray(0, filled), grew: position + filled > size };
  };

  let next: Promise<Piece> | undefined = readPiece(0);
  // A read-ahead the consumer never asks for must not become an unhandled rejection.
  next.catch(() => undefined);
  try {
    let position = 0;
    while (next) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      const piece: Piece = await next;
      next = undefined;
      if (piece.grew) throw changed(path, 'grew');
      position += piece.bytes.byteLength;
      if (position < size) {
        next = readPiece(position);
        next.catch(() => undefined);
      }
      if (piece.bytes.byteLength > 0) yield piece.bytes;
    }
  } finally {
    if (next) await next.catch(() => undefined);
    await close(fd);
  }
}

function changed(path: string, how: string): IpfsPinError {
  return new IpfsPinError(
    'IMPORT_FAILED',
    `${path} ${how} while it was being imported: import a directory nothing writes to`,
    {
      data: { path },
    },
  );
}

/**
 * A file of at most one chunk, whole, in one buffer from `take`: open, read, close with
 * plain callbacks (a site is mostly such files, and the streaming reader's generator and
 * read-ahead cost more than the read). Asks for one byte more than the walk saw, so a file
 * that grew is seen without an extra read.
 */
export function readWholeFile(
  path: string,
  size: number,
  take: (size: number) => Buffer = Buffer.allocUnsafe,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    openRegular(path, (openErr, fd) => {
      if (openErr) {
        reject(openErr);
        return;
      }
      const want = size + 1;
      const buffer = take(want);
      const finish = (err: Error | undefined, filled: number): void => {
        fs.close(fd, () => {
          if (err !== undefined) reject(err);
          else if (filled > size) reject(changed(path, 'grew'));
          else if (filled < size) reject(changed(path, 'shrank'));
          else resolve(filled === want ? buffer : buffer.subarray(0, filled));
        });
      };
      const readFrom = (filled: number): void => {
        fs.read(fd, buffer, filled, want - filled, filled, (readErr, n) => {
          if (readErr) finish(fsError(readErr, path, 'read the file'), filled);
          else if (n === 0 || filled + n >= want) finish(undefined, filled + n);
          else readFrom(filled + n);
        });
      };
      readFrom(0);
    });
  });
}

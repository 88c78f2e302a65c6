import * as fs from 'node:fs';
import { IpfsPinError, abortError } from '../errors.js';
import { fsError } from './fs-errors.js';

const open = (path: string): Promise<number> =>
  new Promise((resolve, reject) => fs.open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
const read = (fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
const close = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

/**
 * Streams a file in reads sized to it: one exact read for a file up to a chunk (no big
 * buffer per small file, which costs GC time), chunk-sized reads for a big one. Each
 * read asks for one byte more at the end, so a file that grew since the walk is seen
 * without an extra read at EOF.
 */
export async function* readFileChunks(path: string, size: number, chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = await open(path);
  } catch (err) {
    throw fsError(err, path, 'open the file');
  }
  try {
    let position = 0;
    for (;;) {
      if (signal?.aborted) throw abortError(signal, 'The import');
      const left = size - position;
      const want = left > chunkSize ? chunkSize : left + 1;
      const buffer = Buffer.allocUnsafe(want);
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
      if (position + filled > size) throw changed(path, 'grew');
      if (position + filled < size && filled < want) throw changed(path, 'shrank');
      position += filled;
      if (filled > 0) yield filled === want ? buffer : buffer.subarray(0, filled);
      if (position >= size) return;
    }
  } finally {
    await close(fd);
  }
}

function changed(path: string, how: string): IpfsPinError {
  return new IpfsPinError('IMPORT_FAILED', `${path} ${how} while it was being imported: import a directory nothing writes to`, {
    data: { path },
  });
}

// Whole-file reads for small files and the size-class pool that lends their buffers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIpfsPinError } from '../../src/lib/errors.js';
import { createSizeClassPool } from '../../src/lib/unixfs/chunk-pool.js';
import { readWholeFile } from '../../src/lib/unixfs/read-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ipfs-pin-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isIpfsPinError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('readWholeFile', () => {
  it('reads exactly the file, into a buffer from take', async () => {
    const file = path.join(dir, 'a.bin');
    const content = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    await writeFile(file, content);
    const pool = createSizeClassPool(1 << 20);
    const asked: number[] = [];
    const bytes = await readWholeFile(file, content.byteLength, (n) => {
      asked.push(n);
      return pool.take(n);
    });
    expect(Buffer.from(bytes).equals(content)).toBe(true);
    // One byte more than the walk saw, to notice a file that grew without another read.
    expect(asked).toEqual([5001]);
    expect(bytes.buffer.byteLength).toBe(8192);
  });

  it('reads an empty file as no bytes', async () => {
    const file = path.join(dir, 'empty');
    await writeFile(file, '');
    expect((await readWholeFile(file, 0)).byteLength).toBe(0);
  });

  it('refuses a file that grew or shrank since the walk, naming it', async () => {
    const file = path.join(dir, 'changing.txt');
    await writeFile(file, 'twelve bytes');
    const grew = await failure(readWholeFile(file, 5));
    expect(grew.code).toBe('IMPORT_FAILED');
    expect(grew.message).toContain(`${file} grew while it was being imported`);
    const shrank = await failure(readWholeFile(file, 20));
    expect(shrank.message).toContain(`${file} shrank while it was being imported`);
  });

  it('names a file that disappeared', async () => {
    const gone = await failure(readWholeFile(path.join(dir, 'gone'), 3));
    expect(gone.code).toBe('IMPORT_FAILED');
    expect(gone.message).toMatch(/gone disappeared while it was being imported \(ENOENT\)/);
  });
});

describe('createSizeClassPool', () => {
  it('lends power-of-two buffers and reuses the ones given back', () => {
    const pool = createSizeClassPool(1 << 20);
    const a = pool.take(3000);
    expect(a.byteLength).toBe(3000);
    expect(a.buffer.byteLength).toBe(4096);
    pool.give(a);
    const b = pool.take(2100);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.take(2100).buffer).not.toBe(a.buffer);
    expect(pool.take(10).buffer.byteLength).toBe(1024);
  });

  it('ignores buffers it did not lend, and ones given back twice', () => {
    const pool = createSizeClassPool(1 << 20);
    const foreign = Buffer.allocUnsafeSlow(4096);
    pool.give(foreign);
    expect(pool.take(4096).buffer).not.toBe(foreign.buffer);
    const lent = pool.take(4096);
    pool.give(lent);
    pool.give(lent);
    expect(pool.take(4096).buffer).toBe(lent.buffer);
    expect(pool.take(4096).buffer).not.toBe(lent.buffer);
  });

  it('keeps at most maxFreeBytes waiting', () => {
    const pool = createSizeClassPool(8192);
    const lent = [pool.take(4096), pool.take(4096), pool.take(4096)];
    for (const b of lent) pool.give(b);
    const again = [pool.take(4096), pool.take(4096), pool.take(4096)].map((b) => b.buffer);
    expect(again.filter((b) => lent.some((l) => l.buffer === b))).toHaveLength(2);
  });
});

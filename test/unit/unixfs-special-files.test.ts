// A file that turns into a FIFO between the walk and the read must fail the import, never
// block it: a plain open() of a FIFO waits for a writer forever, and no signal reaches it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileChunks, readWholeFile } from '../../src/lib/unixfs/read-file.js';

describe('reading a file that became a FIFO', () => {
  let dir: string;
  let fifo: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-fifo-'));
    fifo = join(dir, 'was-a-file.txt');
    execFileSync('mkfifo', [fifo]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('readWholeFile fails with IMPORT_FAILED instead of waiting for a writer', async () => {
    await expect(readWholeFile(fifo, 12)).rejects.toMatchObject({
      code: 'IMPORT_FAILED',
      message: expect.stringContaining('became a special file') as unknown,
    });
  }, 10_000);

  it('readFileChunks does too', async () => {
    const read = async (): Promise<void> => {
      for await (const _ of readFileChunks(fifo, 5_000_000, 1_048_576)) {
        // nothing: it must not get here
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'IMPORT_FAILED' });
  }, 10_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under `parent` (default the OS temp dir), named so a leftover is recognisable. */
export async function makeTempDir(parent: string | undefined, prefix: string): Promise<string> {
  return mkdtemp(join(parent ?? tmpdir(), `ipfs-pin-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

import { createCipheriv } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TreeSpec {
  /** Number of files. Default 2,000. */
  files?: number;
  /** Total file bytes. Default 100 MiB. */
  bytes?: number;
  /** Seed for the content: same spec and seed, same tree, same CID. */
  seed?: number;
  /** Parent directory. Default the OS temp dir. */
  parent?: string;
  /**
   * `site` (default): a third of the bytes in a few big files, the rest in 100-file folders.
   * `nested`: small files only (none over 200 KB, so none is more than one chunk in any
   * profile), three folders deep: 5 sections, 10 topics each, the files spread over them.
   */
  shape?: 'site' | 'nested';
}

export interface Tree {
  dir: string;
  files: number;
  bytes: number;
}

const MiB = 1024 * 1024;

/**
 * A deterministic site-like tree: a few large files (a third of the bytes, several MiB each,
 * so multi-chunk files are in it) and many small ones in 100-file folders. Content is
 * AES-CTR keystream: incompressible, fast to make, the same every run.
 */
export async function makeTree(spec: TreeSpec = {}): Promise<Tree> {
  const files = spec.files ?? 2_000;
  const bytes = spec.bytes ?? 100 * MiB;
  const seed = spec.seed ?? 1;
  const dir = await mkdtemp(join(spec.parent ?? tmpdir(), 'ipfs-pin-tree-'));
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed);
  const stream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const take = (n: number): Buffer => stream.update(Buffer.alloc(n));

  const nested = spec.shape === 'nested';
  const large = nested ? 0 : Math.max(1, Math.min(8, Math.floor(files / 250)));
  const largeBytes = nested ? 0 : Math.floor(bytes / 3);
  const small = files - large;
  const smallBytes = bytes - largeBytes;
  const sizes: number[] = [];
  for (let i = 0; i < large; i++)
    sizes.push(Math.floor(largeBytes / large) + (i === 0 ? largeBytes % large : 0));
  // Small files vary from tiny to about twice the mean; the last one takes the remainder.
  const mean = smallBytes / Math.max(1, small);
  let used = 0;
  for (let i = 0; i < small; i++) {
    const size =
      i === small - 1
        ? smallBytes - used
        : Math.max(1, Math.floor(mean * (0.05 + 1.9 * (((i * 7919) % 1000) / 1000))));
    sizes.push(size);
    used += size;
  }
  if (used !== smallBytes) throw new Error(`tree sizes do not add up (${used} != ${smallBytes})`);
  if (nested && Math.max(...sizes) > 200_000)
    throw new Error(`a nested tree's files must stay under one chunk: ${Math.max(...sizes)} bytes`);

  let written = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] ?? 0;
    const folder = nested
      ? join(dir, `section-${i % 5}`, `topic-${Math.floor(i / 5) % 10}`)
      : i < large
        ? join(dir, 'assets')
        : join(dir, `page-${String(Math.floor((i - large) / 100)).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    const name = i < large ? `blob-${i}.bin` : `file-${String(i).padStart(5, '0')}.html`;
    await writeFile(join(folder, name), take(size));
    written += size;
  }
  return { dir, files: sizes.length, bytes: written };
}

import { createCipheriv } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** mulberry32: a small seeded PRNG, so every generated tree is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic incompressible bytes (AES-CTR keystream keyed by the seed). */
export function seededBytes(seed: number): (size: number) => Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed >>> 0);
  const stream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (size) => stream.update(Buffer.alloc(size));
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** File sizes where chunking and DAG layout change: chunk sizes and their neighbours. */
export const edgeSizes = [
  0,
  1,
  256 * KiB - 1,
  256 * KiB,
  256 * KiB + 1,
  2 * 256 * KiB + 1,
  MiB - 1,
  MiB,
  MiB + 1,
  3 * MiB + 7,
];

/** 174 chunks of 256 KiB fill one layer of kubo's balanced layout; one byte more adds a level. */
export const layerEdgeSizes = [174 * 256 * KiB, 174 * 256 * KiB + 1];

const unicodeNames = [
  'café', // NFC
  'cafe\u0301', // NFD: same glyphs, other bytes, another file
  '日本語のファイル.txt',
  'emoji-🚀-✨.md',
  'ελληνικά',
  'спасибо',
  'with space',
  'quote\'s "and" more',
  'hash#question?percent%amp&',
  'ß-Ω-Ж',
];

export interface RandomTreeOptions {
  seed: number;
  /** Maximum nesting below the root. */
  depth: number;
  /** Entries per directory: 1..width. */
  width: number;
}

/**
 * A random site-like tree: files of random sizes (many at chunk edges), nested and empty
 * directories, unicode names, dot-files and dot-directories, and symlinks (relative,
 * absolute, dangling, pointing outside the tree: kubo stores them all as symlink nodes).
 */
export async function writeRandomTree(root: string, options: RandomTreeOptions): Promise<void> {
  const random = seededRandom(options.seed);
  const bytes = seededBytes(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let counter = 0;

  const fileSize = (): number => {
    const roll = random();
    if (roll < 0.45) return Math.floor(random() * 2 * KiB);
    if (roll < 0.7) return Math.floor(random() * 200 * KiB);
    if (roll < 0.95) return pick(edgeSizes);
    return Math.floor(random() * 3 * MiB);
  };
  const name = (): string => {
    counter++;
    const roll = random();
    if (roll < 0.12) return `.${pick(['env', 'well-known', 'nojekyll', 'hidden'])}-${counter}`;
    if (roll < 0.3) return `${pick(unicodeNames)}-${counter}`;
    return `${pick(['index', 'page', 'asset', 'img', 'a', 'z', 'A', '0', '_', '-'])}${counter}${pick(['', '.html', '.js', '.css', '.png'])}`;
  };

  const fill = async (dir: string, level: number): Promise<void> => {
    await mkdir(dir, { recursive: true });
    const entries = 1 + Math.floor(random() * options.width);
    for (let i = 0; i < entries; i++) {
      const path = join(dir, name());
      const roll = random();
      if (roll < 0.25 && level < options.depth) {
        await fill(path, level + 1);
      } else if (roll < 0.3) {
        await mkdir(path);
      } else if (roll < 0.37) {
        await symlink(
          pick(['index1.html', '../up', '/etc/hosts', 'dangling/target', '.', '../../../outside', 'é']),
          path,
        );
      } else {
        await writeFile(path, bytes(fileSize()));
      }
    }
  };
  await fill(root, 0);
}

/** Files of the given sizes, named by size. */
export async function writeSizedFiles(root: string, sizes: readonly number[], seed: number): Promise<void> {
  const bytes = seededBytes(seed);
  await mkdir(root, { recursive: true });
  for (const size of sizes) await writeFile(join(root, `file-${size}.bin`), bytes(size));
}

/** Many small files spread over a few directories. */
export async function writeManySmall(root: string, count: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const bytes = seededBytes(seed);
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${i % 7}`, `e${i % 3}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `f${i}.txt`), bytes(Math.floor(random() * 4 * KiB)));
  }
}

/** A chain of nested directories, one file and one empty sibling directory per level. */
export async function writeDeep(root: string, levels: number, seed: number): Promise<void> {
  const bytes = seededBytes(seed);
  let dir = root;
  for (let i = 0; i < levels; i++) {
    dir = join(dir, `level-${i}`);
    await mkdir(join(dir, 'empty'), { recursive: true });
    await writeFile(join(dir, `f${i}`), bytes(i * 97));
  }
}

/** Unicode and odd-but-legal names, empty directories, dot-files at several levels. */
export async function writeNamesAndDots(root: string, seed: number): Promise<void> {
  const bytes = seededBytes(seed);
  await mkdir(join(root, 'empty', 'nested-empty'), { recursive: true });
  await mkdir(join(root, '.well-known'), { recursive: true });
  await writeFile(join(root, '.well-known', 'security.txt'), bytes(100));
  await mkdir(join(root, '.hidden-empty'));
  await writeFile(join(root, '.nojekyll'), '');
  await writeFile(join(root, '.env'), bytes(33));
  await mkdir(join(root, 'visible', '.git'), { recursive: true });
  await writeFile(join(root, 'visible', '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(root, 'visible', 'not.hidden'), bytes(10));
  await writeFile(join(root, 'visible', '..double'), bytes(11));
  for (const name of unicodeNames) await writeFile(join(root, name), bytes(name.length));
  await symlink('.env', join(root, 'link-to-dot'));
  await symlink('visible', join(root, 'link-to-dir'));
  await symlink('/absolute/nowhere', join(root, 'absolute-dangling'));
  await symlink('../../outside', join(root, 'visible', 'outside'));
  await symlink('café', join(root, 'link-unicode'));
}

/**
 * A flat directory of one-byte files with the given name lengths (names are unique:
 * a zero-padded index, then 'n' up to the length).
 */
export async function writeFlat(root: string, nameLengths: readonly number[]): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [index, length] of nameLengths.entries()) {
    await writeFile(join(root, flatName(index, length)), 'x');
  }
}

export function flatName(index: number, length: number): string {
  return String(index).padStart(6, '0').padEnd(length, 'n');
}

/** `count` directories `<slug>/index.html`, slugs of `slugLength` bytes: a big static site. */
export async function writeSlugDirs(root: string, count: number, slugLength: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dir = join(root, `post-${String(i).padStart(slugLength - 5, '0')}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.html'), `<h1>${i}</h1>\n`);
  }
}

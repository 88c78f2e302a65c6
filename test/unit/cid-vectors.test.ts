// The kubo-made CID vectors, kept in the repo as fixtures (test/fixtures/cid-vectors, a copy of
// the team's shared/cid-vectors, so a clone from GitHub has them): every one must pass.
// Inputs are streamed from the generator (up to 1 GiB + 1 byte), never written to disk,
// except the small directory vectors, which also go through the disk walk: written once per
// distinct input (three vectors share the same 2000 files), from the generator's own entries.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importDirectory, importTree, treeFromEntries } from '../../src/lib/unixfs/index.js';
import type { ProfileName, ProfileOverrides, TreeEntry } from '../../src/lib/unixfs/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vectorsDir = path.resolve(repoRoot, 'test/fixtures/cid-vectors');
/** The team's copy, beside the checkout on our machines and in CI (not in a GitHub clone). */
const sharedDir = path.resolve(repoRoot, '../shared/cid-vectors');

interface Vector {
  id: string;
  profile: string;
  kind: 'file' | 'dir';
  hidden?: boolean;
  overrides?: ProfileOverrides;
  input: { type: string; size?: number; utf8?: string };
  expected: string;
}
interface Generator {
  VECTORS: {
    vectors: Vector[];
    profiles: Record<
      string,
      {
        chunker: string;
        maxLinks: number;
        cidVersion: number;
        rawLeaves: boolean;
        hamtThresholdBytes: number;
        hamtEstimation: string;
      }
    >;
  };
  vectorEntries(
    v: Vector,
  ): { stream: () => AsyncIterable<Uint8Array> } | { path: string; bytes?: Uint8Array; symlink?: string }[];
}

if (!existsSync(path.join(vectorsDir, 'generate.mjs'))) {
  throw new Error(
    `The CID vectors are missing: expected ${vectorsDir}/generate.mjs and vectors.json. ` +
      'They are committed test fixtures: restore them with git checkout -- test/fixtures/cid-vectors.',
  );
}
const gen = (await import(pathToFileURL(path.join(vectorsDir, 'generate.mjs')).href)) as Generator;

/** vectors.json names kubo's `--cid-version=1` profile 'kubo-cidv1-default'; ours is 'kubo-cidv1'. */
const PROFILE_NAMES: Record<string, ProfileName> = {
  'unixfs-v0-2015': 'unixfs-v0-2015',
  'unixfs-v1-2025': 'unixfs-v1-2025',
  'kubo-cidv1-default': 'kubo-cidv1',
};

function treeOf(v: Vector): TreeEntry {
  const entries = gen.vectorEntries(v);
  if (Array.isArray(entries)) return treeFromEntries(entries);
  const size = v.input.size ?? 0;
  return {
    kind: 'file',
    name: 'file.bin',
    path: '',
    size: v.input.type === 'literal' ? Buffer.byteLength(v.input.utf8 ?? '', 'utf8') : size,
    read: () => entries.stream(),
  };
}

const SMALL_DIR = 5000;

let scratch: string | undefined;
const written = new Map<string, Promise<string>>();
afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/**
 * The vector's input as a directory on disk, the same files `generate.mjs <out> <id>` writes
 * (its vectorEntries), written once for every vector with the same input. Creating thousands
 * of files is most of the cost on a slow disk, so the writes overlap, a few dozen at a time.
 */
function onDisk(
  v: Vector,
  entries: { path: string; bytes?: Uint8Array; symlink?: string }[],
): Promise<string> {
  const key = JSON.stringify(v.input);
  let dir = written.get(key);
  if (dir === undefined) {
    const name = `input-${written.size}`;
    dir = (async () => {
      scratch ??= await mkdtemp(path.join(tmpdir(), 'ipfs-pin-vector-'));
      const root = path.join(scratch, name);
      const parents = new Set([root, ...entries.map((e) => path.dirname(path.join(root, e.path)))]);
      for (const p of [...parents].sort()) await mkdir(p, { recursive: true });
      for (let i = 0; i < entries.length; i += 64) {
        await Promise.all(
          entries.slice(i, i + 64).map((e) => {
            const p = path.join(root, e.path);
            return e.symlink !== undefined
              ? symlink(e.symlink, p)
              : writeFile(p, e.bytes ?? new Uint8Array());
          }),
        );
      }
      return root;
    })();
    written.set(key, dir);
  }
  return dir;
}

describe('kubo CID vectors', () => {
  it('has all 29 vectors and our profiles match their parameters', async () => {
    expect(gen.VECTORS.vectors).toHaveLength(29);
    expect(new Set(gen.VECTORS.vectors.map((v) => v.id)).size).toBe(29);
    const { PROFILES } = await import('../../src/lib/unixfs/index.js');
    for (const [theirs, ours] of Object.entries(PROFILE_NAMES)) {
      const spec = gen.VECTORS.profiles[theirs];
      const p = PROFILES[ours];
      expect(spec, theirs).toBeDefined();
      expect(`size-${p.chunkSize}`).toBe(spec?.chunker);
      expect(p.maxLinks).toBe(spec?.maxLinks);
      expect(p.cidVersion).toBe(spec?.cidVersion);
      expect(p.rawLeaves).toBe(spec?.rawLeaves);
      expect(p.hamtThresholdBytes).toBe(spec?.hamtThresholdBytes);
      expect(p.hamtEstimation).toBe(spec?.hamtEstimation);
    }
  });

  it.runIf(existsSync(path.join(sharedDir, 'vectors.json')))(
    'the fixtures are the same as shared/cid-vectors where that is beside the checkout',
    () => {
      for (const f of ['vectors.json', 'generate.mjs']) {
        expect(readFileSync(path.join(vectorsDir, f), 'utf8'), f).toBe(
          readFileSync(path.join(sharedDir, f), 'utf8'),
        );
      }
    },
  );

  for (const v of gen.VECTORS.vectors) {
    const profile = PROFILE_NAMES[v.profile];
    const big = (v.input.size ?? 0) > 64 * 1024 * 1024;
    it(`${v.id} (${v.profile})`, { timeout: big ? 600_000 : 120_000 }, async () => {
      expect(profile, `unknown profile ${v.profile}`).toBeDefined();
      const options = { ...(profile ? { profile } : {}), ...(v.overrides ? { overrides: v.overrides } : {}) };
      if (v.kind === 'dir' && v.hidden === undefined) {
        // Streamed: the tree straight from the generator.
        const result = await importTree(treeOf(v), options);
        expect(result.cid.toString()).toBe(v.expected);
      }
      if (v.kind === 'dir') {
        // And from disk, through the walk (hidden-file vectors only this way).
        const entries = gen.vectorEntries(v);
        if (Array.isArray(entries) && entries.length <= SMALL_DIR) {
          const dir = await onDisk(v, entries);
          const result = await importDirectory(dir, { ...options, hidden: v.hidden ?? false });
          expect(result.cid.toString()).toBe(v.expected);
        }
      } else {
        const result = await importTree(treeOf(v), options);
        expect(result.cid.toString()).toBe(v.expected);
      }
    });
  }
});

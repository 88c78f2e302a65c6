// CID parity with kubo: our importer and `ipfs add -r --only-hash` must agree on every tree,
// for every profile. kubo is the reference the whole ecosystem pins against.
import { decode } from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../../src/lib/unixfs/index.js';
import type { ProfileName } from '../../src/lib/unixfs/index.js';
import { createKuboRepo, type KuboRepo } from '../support/kubo.js';
import {
  edgeSizes,
  layerEdgeSizes,
  writeDeep,
  writeFlat,
  writeManySmall,
  writeNamesAndDots,
  writeRandomTree,
  writeSizedFiles,
  writeSlugDirs,
} from '../support/parity-trees.js';
import { peerBinary } from '../support/peers.js';

/** How kubo produces each profile: a config profile at init and/or `ipfs add` flags. */
const kuboProfiles: Record<ProfileName, { init: string[]; flags: string[] }> = {
  'unixfs-v0-2015': { init: ['unixfs-v0-2015'], flags: [] },
  'kubo-cidv1': { init: [], flags: ['--cid-version=1'] },
  'unixfs-v1-2025': { init: ['unixfs-v1-2025'], flags: [] },
};
const profileNames = Object.keys(kuboProfiles) as ProfileName[];

const THRESHOLD = 256 * 1024;

type Estimate = (nameLength: number) => number;

/** Per-entry cost of a one-byte file in each profile's HAMT size estimate (boxo). */
const entryCost: Record<ProfileName, { perEntry: Estimate; base: number }> = {
  // links-bytes: name + CID bytes (CIDv0 dag-pb leaf: 34 bytes).
  'unixfs-v0-2015': { perEntry: (n) => n + 34, base: 0 },
  // links-bytes: name + CID bytes (CIDv1 raw leaf: 36 bytes).
  'kubo-cidv1': { perEntry: (n) => n + 36, base: 0 },
  // block-bytes: the serialized PBLink (hash 36, name, Tsize 1) plus the 4-byte Data field.
  'unixfs-v1-2025': {
    perEntry: (n) => {
      const link = 1 + 1 + 36 + 1 + varintLength(n) + n + 1 + 1;
      return 1 + varintLength(link) + link;
    },
    base: 4,
  },
};

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/** Name lengths (200..255) whose estimate is exactly `target` bytes. */
function nameLengthsFor(profile: ProfileName, target: number): number[] {
  const { perEntry, base } = entryCost[profile];
  const count = Math.floor((target - base) / perEntry(200));
  const lengths = Array.from({ length: count }, () => 200);
  let rest = target - base - count * perEntry(200);
  for (let i = 0; rest > 0; i++) {
    const add = Math.min(55, rest);
    lengths[i] = 200 + add;
    rest -= add;
  }
  const total = base + lengths.reduce((sum, n) => sum + perEntry(n), 0);
  if (total !== target) throw new Error(`estimate ${total} != ${target} for ${profile}`);
  return lengths;
}

interface Case {
  name: string;
  write: (dir: string) => Promise<void>;
  /** Only for these profiles (default all). */
  profiles?: ProfileName[];
  /** Also compare with hidden files included. */
  hidden?: boolean;
  /** The root node's expected UnixFS type per profile: proves a threshold case sits where intended. */
  root?: Partial<Record<ProfileName, 'directory' | 'hamt-sharded-directory'>>;
}

const SLUG = 24; // `post-` + 19 digits: 24 + 34 = 58 estimate bytes per sub-directory in v0
const cases: Case[] = [
  { name: 'files at chunk-size edges', write: (dir) => writeSizedFiles(dir, edgeSizes, 1) },
  {
    name: 'a file one byte over a full layer of 174 links',
    write: (dir) => writeSizedFiles(dir, layerEdgeSizes, 2),
    profiles: ['unixfs-v0-2015', 'kubo-cidv1'],
  },
  { name: '3,000 small files', write: (dir) => writeManySmall(dir, 3000, 3) },
  { name: '60 levels deep', write: (dir) => writeDeep(dir, 60, 4) },
  {
    name: 'unicode names, symlinks, empty dirs, dot-files',
    write: (dir) => writeNamesAndDots(dir, 5),
    hidden: true,
  },
  {
    name: 'random tree (seed 6)',
    write: (dir) => writeRandomTree(dir, { seed: 6, depth: 5, width: 9 }),
    hidden: true,
  },
  {
    name: 'random tree (seed 7)',
    write: (dir) => writeRandomTree(dir, { seed: 7, depth: 3, width: 25 }),
    hidden: true,
  },
  ...profileNames.flatMap((profile): Case[] => [
    {
      name: `flat directory exactly at the HAMT threshold (${profile})`,
      write: (dir) => writeFlat(dir, nameLengthsFor(profile, THRESHOLD)),
      profiles: [profile],
      root: { [profile]: 'directory' },
    },
    {
      name: `flat directory one byte over the HAMT threshold (${profile})`,
      write: (dir) => writeFlat(dir, nameLengthsFor(profile, THRESHOLD + 1)),
      profiles: [profile],
      root: { [profile]: 'hamt-sharded-directory' },
    },
  ]),
  {
    // 4,519 x 58 = 262,102: just under in v0; over with CIDv1 links (60 bytes per entry) and
    // block-bytes. The stock importer leaves sub-directories out of its estimate and would
    // shard none of these roots.
    name: '4,519 sub-directories with an index.html each',
    write: (dir) => writeSlugDirs(dir, 4519, SLUG),
    root: {
      'unixfs-v0-2015': 'directory',
      'kubo-cidv1': 'hamt-sharded-directory',
      'unixfs-v1-2025': 'hamt-sharded-directory',
    },
  },
  {
    // Over in every profile. Not just over in v0: kubo 0.42 takes minutes to add a directory
    // of thousands of sub-directories that sits a few entries over the links-bytes threshold
    // (4,520: > 4 min, 4,522: 42 s, 4,600: 19 s, 4,800: 2.6 s on 2 busy cores); ours takes ~1 s.
    name: '4,800 sub-directories with an index.html each',
    write: (dir) => writeSlugDirs(dir, 4800, SLUG),
    root: {
      'unixfs-v0-2015': 'hamt-sharded-directory',
      'kubo-cidv1': 'hamt-sharded-directory',
      'unixfs-v1-2025': 'hamt-sharded-directory',
    },
  },
];

describe('CID parity with kubo `ipfs add -r --only-hash`', () => {
  const repos = new Map<ProfileName, KuboRepo>();
  const dirs = new Map<string, string>();
  let work: string;

  beforeAll(async () => {
    peerBinary('ipfs');
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-parity-'));
    for (const profile of profileNames) {
      repos.set(profile, await createKuboRepo({ profiles: kuboProfiles[profile].init }));
    }
    for (const [index, testCase] of cases.entries()) {
      const dir = join(work, `case-${index}`);
      await testCase.write(dir);
      dirs.set(testCase.name, dir);
    }
  });

  afterAll(async () => {
    for (const repo of repos.values()) await repo.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function kuboCid(profile: ProfileName, dir: string, hidden: boolean): Promise<string> {
    const repo = repos.get(profile) as KuboRepo;
    const args = ['add', '-r', '-Q', '--only-hash', ...kuboProfiles[profile].flags];
    if (hidden) args.push('--hidden');
    const { stdout } = await repo.ipfs([...args, dir], { timeoutMs: 120_000 });
    return stdout.trim();
  }

  /** Imports with our importer; keeps the blocks when the root's type is to be checked. */
  async function ours(dir: string, profile: ProfileName, hidden: boolean, keep: boolean) {
    const blocks = new Map<string, Uint8Array>();
    const result = await importDirectory(dir, {
      profile,
      hidden,
      ...(keep ? { blockstore: { put: (key, bytes) => blocks.set(key.toString(), bytes) } } : {}),
    });
    const rootType = () => {
      const node = decode(blocks.get(result.cid.toString()) as Uint8Array);
      return UnixFS.unmarshal(node.Data as Uint8Array).type;
    };
    return { cid: result.cid.toString(), rootType };
  }

  for (const profile of profileNames) {
    describe(profile, () => {
      for (const testCase of cases.filter((c) => !c.profiles || c.profiles.includes(profile))) {
        it(testCase.name, { timeout: 120_000 }, async () => {
          const dir = dirs.get(testCase.name) as string;
          const expectedRoot = testCase.root?.[profile];
          for (const hidden of testCase.hidden ? [false, true] : [false]) {
            const mine = await ours(dir, profile, hidden, expectedRoot !== undefined);
            const theirs = await kuboCid(profile, dir, hidden);
            expect(mine.cid, `hidden: ${hidden}`).toBe(theirs);
            if (expectedRoot) expect(mine.rootType()).toBe(expectedRoot);
          }
        });
      }
    });
  }

  it('hidden changes the CID where there are dot-files (the comparison is not vacuous)', async () => {
    const dir = dirs.get('unicode names, symlinks, empty dirs, dot-files') as string;
    const shown = await importDirectory(dir, { hidden: true });
    const skipped = await importDirectory(dir, { hidden: false });
    expect(shown.cid.toString()).not.toBe(skipped.cid.toString());
    expect(skipped.skipped.map((entry) => entry.path).sort()).toEqual(
      ['.env', '.hidden-empty', '.nojekyll', '.well-known', 'visible/..double', 'visible/.git'].sort(),
    );
  });
});

// The CAR an import writes (ImportOptions.car), read back by kubo (`ipfs dag import`),
// by ipfs-car (`unpack`, which rebuilds the files) and by @ipld/car, for each profile.
import { createReadStream } from 'node:fs';
import {
  lstat,
  lutimes,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  utimes,
  writeFile,
  mkdir,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CarBlockIterator } from '@ipld/car/iterator';
import * as dagPb from '@ipld/dag-pb';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../../src/lib/index.js';
import type { ProfileName } from '../../src/lib/index.js';
import { createKuboRepo } from '../support/kubo.js';
import { makeTree } from '../support/make-tree.js';
import type { Tree } from '../support/make-tree.js';
import { repoRoot } from '../support/peers.js';
import { run } from '../support/run-program.js';

let tree: Tree;
let out: string;
beforeAll(async () => {
  // Big files (several chunks in every profile) and small ones, a nested layout.
  tree = await makeTree({ files: 120, bytes: 12 * 1024 * 1024, seed: 5 });
  await mkdir(join(tree.dir, 'empty-dir'));
  await writeFile(join(tree.dir, 'dup-a.txt'), 'same');
  await writeFile(join(tree.dir, 'dup-b.txt'), 'same');
  out = await mkdtemp(join(tmpdir(), 'ipfs-pin-car-'));
});
afterAll(async () => {
  if (tree !== undefined) await rm(tree.dir, { recursive: true, force: true });
  if (out !== undefined) await rm(out, { recursive: true, force: true });
});

async function readCar(path: string): Promise<{ roots: string[]; cids: string[] }> {
  const blocks = await CarBlockIterator.fromIterable(createReadStream(path));
  const roots = (await blocks.getRoots()).map((r) => r.toString());
  const cids: string[] = [];
  const links = new Set<string>();
  for await (const { cid, bytes } of blocks) {
    expect((await sha256.digest(bytes)).bytes, `${cid.toString()} hashes to its CID`).toEqual(
      cid.multihash.bytes,
    );
    cids.push(cid.toString());
    if (cid.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) links.add(l.Hash.toString());
  }
  // Complete: every link points at a block in the file.
  for (const l of links) expect(cids, `the CAR holds linked block ${l}`).toContain(l);
  return { roots, cids };
}

describe.each<ProfileName>(['unixfs-v1-2025', 'kubo-cidv1', 'unixfs-v0-2015'])(
  'a CAR written while importing (%s)',
  (profile) => {
    let car: string;
    let cid: string;
    beforeAll(async () => {
      car = join(out, `${profile}.car`);
      const result = await importDirectory(tree.dir, { profile, car });
      cid = result.cid.toString();
      expect(result.car).toBe(car);
    });

    it('has the CID as its only root, every block once, each hashing to its CID, the DAG complete', async () => {
      const { roots, cids } = await readCar(car);
      expect(roots).toEqual([cid]);
      expect(new Set(cids).size).toBe(cids.length);
      expect(cids).toContain(cid);
    });

    it("kubo's `ipfs dag import` takes it: the same root, and every block of the DAG is there", async () => {
      const repo = await createKuboRepo();
      try {
        const { stdout } = await repo.ipfs(['dag', 'import', '--stats', '--pin-roots=true', car]);
        expect(stdout).toContain(`Pinned root\t${cid}\tsuccess`);
        // Offline: every block must come from the import.
        const refs = await repo.ipfs(['refs', '-r', '--offline', cid]);
        const { cids } = await readCar(car);
        expect(refs.stdout.trim().split('\n').length + 1).toBeGreaterThanOrEqual(new Set(cids).size - 1);
        await repo.ipfs(['dag', 'stat', '--offline', '--progress=false', cid]);
      } finally {
        await repo.remove();
      }
    }, 120_000);

    it('ipfs-car reads the same root and unpacks the same files', async () => {
      const bin = join(repoRoot, 'node_modules', '.bin', 'ipfs-car');
      const roots = await run(bin, ['roots', car]);
      expect(roots.stdout.trim()).toBe(cid);
      const dest = join(out, `unpacked-${profile}`);
      await run(bin, ['unpack', car, '--output', dest], { timeoutMs: 120_000 });
      const names = (await readdir(tree.dir, { recursive: true })).sort();
      expect((await readdir(dest, { recursive: true })).sort()).toEqual(names);
      for (const name of names.filter((n) => n.endsWith('.txt') || n.endsWith('.bin')).slice(0, 40)) {
        expect(await readFile(join(dest, name)), name).toEqual(await readFile(join(tree.dir, name)));
      }
    }, 120_000);
  },
);

describe('car input errors', () => {
  it('a CAR in a directory that does not exist fails with INVALID_INPUT before anything is read', async () => {
    await expect(
      importDirectory(join(out, 'nope-does-not-exist'), { car: join(out, 'no', 'such', 'dir', 'x.car') }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/car: the directory .* does not exist/) as unknown,
    });
  });
});

describe('car: where the file goes', () => {
  const partials = async (): Promise<string[]> => (await readdir(out)).filter((n) => n.endsWith('.partial'));

  it('replaces a symlink at the path with the CAR, and leaves the link target untouched', async () => {
    const target = join(out, 'precious.txt');
    await writeFile(target, 'precious');
    const car = join(out, 'linked.car');
    await symlink(target, car);
    const result = await importDirectory(tree.dir, { car });
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect((await lstat(car)).isSymbolicLink()).toBe(false);
    expect((await readCar(car)).roots).toEqual([result.cid.toString()]);
    expect(await partials()).toEqual([]);
  });

  it('keeps an existing file until the new CAR is complete: an aborted import leaves it as it was', async () => {
    const car = join(out, 'kept.car');
    await writeFile(car, 'the CAR of the last release');
    const stop = new AbortController();
    const err = await importDirectory(tree.dir, {
      car,
      signal: stop.signal,
      onProgress: (e) => {
        if (e.type === 'unixfs:import:progress') stop.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(await readFile(car, 'utf8')).toBe('the CAR of the last release');
    expect(await partials()).toEqual([]);
    // A re-run replaces it.
    const result = await importDirectory(tree.dir, { car });
    expect((await readCar(car)).roots).toEqual([result.cid.toString()]);
  });

  it('removes what a killed run left beside the CAR (an hour untouched), nothing else', async () => {
    const car = join(out, 'site.car');
    const old = new Date(Date.now() - 2 * 3600_000);
    const stale = join(out, '.site.car.0123456789ab.partial');
    const fresh = join(out, '.site.car.ba9876543210.partial');
    const otherCar = join(out, '.other.car.0123456789ab.partial');
    const notOurs = join(out, '.site.car.notours.partial');
    const linked = join(out, '.site.car.aaaaaaaaaaaa.partial');
    for (const f of [stale, fresh, otherCar, notOurs]) await writeFile(f, 'half a CAR');
    await symlink(join(out, 'nowhere'), linked);
    for (const f of [stale, otherCar, notOurs]) await utimes(f, old, old);
    await lutimes(linked, old, old);
    await importDirectory(tree.dir, { car });
    const left = await partials();
    expect(left).not.toContain(basename(stale));
    expect(left.sort()).toEqual([fresh, otherCar, notOurs, linked].map((f) => basename(f)).sort());
    for (const f of [fresh, otherCar, notOurs, linked]) await rm(f, { force: true });
  });

  it('refuses a CAR inside the imported path, also through a symlinked directory, before reading', async () => {
    const link = join(out, 'tree-link');
    await symlink(tree.dir, link);
    for (const car of [
      join(tree.dir, 'site.car'),
      join(link, 'sub', '..', 'site.car'),
      join(link, 'site.car'),
    ]) {
      await expect(importDirectory(tree.dir, { car })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(
          /car: .* is inside the imported path .*: the next run would import the CAR too/,
        ) as unknown,
      });
    }
    await expect(importDirectory(link, { car: join(tree.dir, 'x.car') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect((await readdir(tree.dir)).filter((n) => n.includes('.car'))).toEqual([]);
  });
});

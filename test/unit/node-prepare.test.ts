// The embedded node before its start (node/prepare.ts): what it checks up front, and that
// a node never started leaves nothing behind.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareEmbeddedNode } from '../../src/lib/node/prepare.js';

describe('prepareEmbeddedNode', () => {
  let parent: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-prepare-'));
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('refuses a listen address that is not a multiaddr before making anything', async () => {
    const err = await prepareEmbeddedNode({ tempDir: parent, listen: ['not-a-multiaddr'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'INVALID_INPUT' });
    expect(String((err as Error).message)).toContain('not-a-multiaddr');
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses a negative memoryBytes', async () => {
    await expect(prepareEmbeddedNode({ tempDir: parent, memoryBytes: -1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await readdir(parent)).toEqual([]);
  });

  it('imports into its store without starting, and a discard removes the store; no start after it', async () => {
    const site = await mkdtemp(join(parent, 'site-'));
    await writeFile(join(site, 'index.html'), '<h1>hello</h1>');
    const prepared = await prepareEmbeddedNode({ tempDir: parent });
    const imported = await prepared.import(site);
    expect(imported.cid.toString()).toMatch(/^bafy/);
    expect((await readdir(parent)).filter((n) => n.startsWith('ipfs-pin-node-'))).toHaveLength(1);
    await prepared.discard();
    expect((await readdir(parent)).filter((n) => n.startsWith('ipfs-pin-node-'))).toEqual([]);
    await expect(prepared.start()).rejects.toMatchObject({ code: 'NODE_FAILED' });
  });
});

// verifyCid against gateways of our own on loopback that answer what no honest one does:
// each answer is refused for what it is, with VERIFY_FAILED naming it, and nothing past
// what the import made is taken.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory, verifyCid } from '../../src/lib/index.js';
import { startFaultServer } from '../support/fault-server.js';
import { carHeaderBytes, startHostileGateway } from '../support/hostile-gateway.js';
import type { HostileMode } from '../support/hostile-gateway.js';

let work: string;
let cid: string;
let car: Uint8Array;
let dag: { blocks: number; bytes: number };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-verify-hostile-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>hi</h1>');
  await writeFile(join(work, 'site', 'app.js'), 'x'.repeat(3 * 1024 * 1024));
  const result = await importDirectory(join(work, 'site'), { car: join(work, 'site.car') });
  cid = result.cid.toString();
  dag = result.dag;
  car = await readFile(join(work, 'site.car'));
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

async function failure(gateway: string, root = cid, bound = dag): Promise<Error & { code?: string }> {
  const err = await verifyCid(root, {
    gateway: `${gateway}/ipfs/{cid}/`,
    timeoutMs: 4_000,
    dag: bound,
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
  return err as Error;
}

async function withGateway(mode: HostileMode, fn: (url: string) => Promise<void>): Promise<void> {
  await using gw = await startHostileGateway(mode);
  await fn(gw.url);
}

/** A CAR of `roots` holding `blocks` in order. */
async function carOf(roots: CID[], blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { varint } = await import('multiformats');
  const parts: Uint8Array[] = [await carHeaderBytes(roots)];
  for (const b of blocks) {
    const len = b.cid.bytes.byteLength + b.bytes.byteLength;
    parts.push(varint.encodeTo(len, new Uint8Array(varint.encodingLength(len))), b.cid.bytes, b.bytes);
  }
  return Buffer.concat(parts);
}

async function rawBlock(bytes: Uint8Array): Promise<{ cid: CID; bytes: Uint8Array }> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

async function pbBlock(links: CID[]): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = dagPb.encode(dagPb.prepare({ Links: links.map((Hash) => ({ Hash, Name: '', Tsize: 1 })) }));
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes };
}

describe('verifyCid against hostile gateways', () => {
  it('passes an honest gateway within exactly what the import made', async () => {
    await withGateway({ kind: 'honest', car }, async (url) => {
      const r = await verifyCid(cid, { gateway: `${url}/ipfs/{cid}/`, timeoutMs: 5_000, dag });
      // A block made twice (app.js repeats its chunk) is sent once.
      expect(r.blocks).toBeGreaterThan(1);
      expect(r.blocks).toBeLessThan(dag.blocks);
      expect(r.bytes).toBeLessThan(dag.bytes);
    });
  });

  it('refuses a section declaring 4 GiB, before buffering it', async () => {
    await withGateway({ kind: 'huge-section' }, async (url) => {
      const before = process.memoryUsage().arrayBuffers;
      const err = await failure(url);
      expect(err.message).toContain(
        "the gateway's CAR declared a 4.0 GiB section; at most 2.0 MiB + CID is allowed",
      );
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    });
  });

  it('refuses a block no block of the DAG links to (endless tiny valid blocks)', async () => {
    await withGateway({ kind: 'tiny-blocks' }, async (url) => {
      expect((await failure(url)).message).toMatch(
        /sent the block \S+, which no block of the DAG before it links to/,
      );
    });
  });

  it('refuses dag-pb blocks of 20,000 bogus links that nothing asked for', async () => {
    await withGateway({ kind: 'bogus-links' }, async (url) => {
      expect((await failure(url)).message).toMatch(/which no block of the DAG before it links to/);
    });
  });

  it('refuses a root whose links outnumber the blocks the import made', async () => {
    const leaves = await Promise.all(Array.from({ length: 30 }, (_, i) => rawBlock(Uint8Array.of(i))));
    const root = await pbBlock(leaves.map((l) => l.cid));
    await withGateway({ kind: 'honest', car: await carOf([root.cid], [root, ...leaves]) }, async (url) => {
      const err = await failure(url, root.cid.toString(), { blocks: 10, bytes: 1_000_000 });
      expect(err.message).toMatch(
        /blocks link to more than the 10 blocks the import made \(block \S+ has 30 links\)/,
      );
    });
  });

  it('refuses more blocks, or more bytes, than the import made', async () => {
    const leaf = await rawBlock(new Uint8Array(1000).fill(7));
    const root = await pbBlock([leaf.cid]);
    const repeated = await carOf([root.cid], [root, ...Array.from({ length: 20 }, () => leaf)]);
    await withGateway({ kind: 'honest', car: repeated }, async (url) => {
      const err = await failure(url, root.cid.toString(), { blocks: 5, bytes: 1_000_000 });
      expect(err.message).toContain('the gateway sent more than the 5 blocks the import made');
    });
    await withGateway({ kind: 'honest', car: await carOf([root.cid], [root, leaf]) }, async (url) => {
      const err = await failure(url, root.cid.toString(), { blocks: 5, bytes: 500 });
      expect(err.message).toMatch(
        /the gateway's answer declares .*, more than a CAR of this DAG|more than the 500 B of blocks/,
      );
    });
  });

  it('in a CAR of no stated order, refuses a block nothing links to once the answer is read', async () => {
    const leaf = await rawBlock(Uint8Array.of(1));
    const stray = await rawBlock(Uint8Array.of(2));
    const root = await pbBlock([leaf.cid]);
    await withGateway({ kind: 'honest', car: await carOf([root.cid], [leaf, stray, root]) }, async (url) => {
      const err = await failure(url, root.cid.toString(), { blocks: 5, bytes: 1_000 });
      expect(err.message).toContain(
        `the gateway sent 1 blocks that no block of the DAG links to (first: ${stray.cid.toString()})`,
      );
    });
  });

  it('refuses a CAR whose header names another root, even with every right block in it', async () => {
    const other = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
    await withGateway({ kind: 'wrong-root', car, root: other }, async (url) => {
      expect((await failure(url)).message).toContain(`CAR names the root ${other.toString()}, not ${cid}`);
    });
  });

  it('does not follow a redirect to another origin, and follows one within its own', async () => {
    await using elsewhere = await startHostileGateway({ kind: 'honest', car });
    await withGateway(
      { kind: 'redirect', location: `${elsewhere.url}/ipfs/${cid}/?format=car` },
      async (url) => {
        const err = await failure(url);
        expect(err.message).toContain(`redirects to another origin (${elsewhere.url})`);
      },
    );
    expect(elsewhere.requests).toBe(0);
    await using same = await startFaultServer({
      script: [{ status: 302, headers: { location: `/moved/ipfs/${cid}/?format=car` } }],
      handler: () => ({
        status: 200,
        headers: { 'content-type': 'application/vnd.ipld.car' },
        body: Buffer.from(car),
      }),
    });
    const r = await verifyCid(cid, { gateway: `${same.url}/ipfs/{cid}/`, timeoutMs: 5_000, dag });
    expect(r.blocks).toBeGreaterThan(1);
    expect(same.requests.map((q) => q.path)).toEqual([`/ipfs/${cid}/`, `/moved/ipfs/${cid}/`]);
  });
});

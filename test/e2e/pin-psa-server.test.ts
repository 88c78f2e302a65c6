import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../support/make-tree.js';
import { startPsaServer } from '../support/psa-server.js';
import type { PsaServer } from '../support/psa-server.js';
import { closedPort, ipfsPin, lastLine, makeSite } from './pin-helpers.js';

// The built CLI against a real pinning service on loopback that fetches over bitswap.
describe('ipfs-pin pin against a real pinning service', () => {
  let service: PsaServer;
  let second: PsaServer;
  let site: string;

  beforeAll(async () => {
    [service, second, site] = await Promise.all([startPsaServer(), startPsaServer(), makeSite()]);
  });
  afterAll(async () => {
    await Promise.all([service?.stop(), second?.stop()]);
  });

  it('pins a site: pinned, the same CID as ipfs-pin cid, the whole DAG on the service', async () => {
    const run = await ipfsPin(['pin', site, '--endpoint', service.endpoint, '--timeout', '60s'], {
      env: { IPFS_PIN_TOKEN: service.token },
    });
    expect(run.code, run.stderr).toBe(0);
    const cid = lastLine(run.stdout);
    const offline = await ipfsPin(['cid', site]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(cid).toBe(lastLine(offline.stdout));
    expect(cid).toMatch(/^bafy/);
    expect(run.stderr).toMatch(/pinned \(requestid \S+\)/);
    expect(run.stderr).toContain('.well-known');
    expect(run.stderr).toContain('--hidden');
    expect(run.stderr).not.toContain(service.token);
    expect(await service.hasDag(cid)).toMatchObject({ complete: true, pinned: true });
  });

  it('reuses the existing pin on a re-run: same requestid, no second POST', async () => {
    const env = { IPFS_PIN_TOKEN: service.token };
    const first = await ipfsPin(['pin', site, '--endpoint', service.endpoint, '--hidden', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const postsBefore = (service.logs().match(/POST \/pins 20\d/g) ?? []).length;
    const again = await ipfsPin(['pin', site, '--endpoint', service.endpoint, '--hidden', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as { cid: string; services: { requestid: string; reused: boolean }[] };
    const b = JSON.parse(again.stdout) as { cid: string; services: { requestid: string; reused: boolean }[] };
    expect(b.cid).toBe(a.cid);
    expect(b.services[0]?.requestid).toBe(a.services[0]?.requestid);
    expect(b.services[0]?.reused).toBe(true);
    expect((service.logs().match(/POST \/pins 20\d/g) ?? []).length).toBe(postsBefore);
    expect(again.stderr).toContain('reusing pin');
  });

  it('fails fast and clearly on a wrong token, never echoing it', async () => {
    const wrong = 'not-the-right-token-4242';
    const run = await ipfsPin(['pin', site, '--endpoint', service.endpoint], {
      env: { IPFS_PIN_TOKEN: wrong },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('PSA_UNAUTHORIZED');
    expect(run.stderr + run.stdout).not.toContain(wrong);
    expect(run.ms).toBeLessThan(20_000);
  });

  it('stops a big import as soon as the service rejects the token', async () => {
    // Over the size at which the tokens are checked while importing (5,000 files).
    const tree = await makeTree({ files: 6_000, bytes: 24 * 1024 * 1024 });
    try {
      const wrong = 'wrong-token-for-a-big-tree';
      const run = await ipfsPin(['pin', tree.dir, '--endpoint', service.endpoint], {
        env: { IPFS_PIN_TOKEN: wrong },
      });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toContain('PSA_UNAUTHORIZED');
      expect(run.stderr).toContain('found while importing; nothing was pinned');
      // The import never finished: the CLI reports a finished one with its CID.
      expect(run.stderr).not.toMatch(/imported \d+ files/i);
      expect(run.stderr + run.stdout).not.toContain(wrong);
    } finally {
      await rm(tree.dir, { recursive: true, force: true });
    }
  });

  it('pins on two services at once with policy all', async () => {
    const fresh = await makeSite(5);
    const run = await ipfsPin(
      [
        'pin',
        fresh,
        '--endpoint',
        service.endpoint,
        '--endpoint',
        second.endpoint,
        '--json',
        '--timeout',
        '60s',
      ],
      { env: { IPFS_PIN_TOKEN_1: service.token, IPFS_PIN_TOKEN_2: second.token } },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      cid: string;
      ok: boolean;
      services: { status: string; dialled: { ok: boolean }[] }[];
    };
    expect(result.ok).toBe(true);
    expect(result.services.map((s) => s.status)).toEqual(['pinned', 'pinned']);
    for (const s of result.services) expect(s.dialled.some((d) => d.ok)).toBe(true);
    expect(await service.hasDag(result.cid)).toMatchObject({ complete: true });
    expect(await second.hasDag(result.cid)).toMatchObject({ complete: true });
  });

  it('meets policy any when one of two services is down, and fails policy all', async () => {
    const fresh = await makeSite(3);
    const down = `http://127.0.0.1:${await closedPort()}`;
    const env = { IPFS_PIN_TOKEN_1: service.token };
    const any = await ipfsPin(
      ['pin', fresh, '--endpoint', service.endpoint, '--endpoint', down, '--policy', 'any', '--json'],
      { env },
    );
    expect(any.code, any.stderr).toBe(0);
    const result = JSON.parse(any.stdout) as {
      ok: boolean;
      services: { status: string; error: { code: string } | null }[];
    };
    expect(result.ok).toBe(true);
    expect(result.services[0]?.status).toBe('pinned');
    // The down service either failed to connect or was still trying when the policy was met.
    expect(result.services[1]?.status).not.toBe('pinned');

    const all = await ipfsPin(
      ['pin', fresh, '--endpoint', service.endpoint, '--endpoint', down, '--timeout', '60s'],
      { env },
    );
    expect(all.code).toBe(1);
    expect(all.stderr).toContain('PSA_NETWORK');
    expect(all.stderr).toContain('NOT met');
    expect(lastLine(all.stdout)).toMatch(/^bafy/);
  });
});

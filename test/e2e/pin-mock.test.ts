import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFaultServer } from '../support/fault-server.js';
import { ipfsPin, lastLine, makeSite, startMock } from './pin-helpers.js';
import type { Mock } from './pin-helpers.js';

// The npm mock-ipfs-pinning-service never moves a pin on its own: the name prefix decides.
describe('ipfs-pin pin when the service does not pin', () => {
  const token = 'mock-token-8c1f2e';
  let mock: Mock;
  let site: string;

  beforeAll(async () => {
    [mock, site] = await Promise.all([startMock({ token }), makeSite(3)]);
  });
  afterAll(async () => {
    await mock?.close();
  });

  it('gives up at the deadline when the pin stays queued, names the requestid, and leaves the pin', async () => {
    const run = await ipfsPin(
      ['pin', site, '--endpoint', mock.url, '--name', 'stuck-site', '--timeout', '5s'],
      {
        env: { IPFS_PIN_TOKEN: token },
      },
    );
    expect(run.code).toBe(3);
    expect(run.ms).toBeGreaterThanOrEqual(5000);
    expect(run.ms).toBeLessThan(40_000);
    expect(run.stderr).toContain('PIN_TIMEOUT');
    const requestid = /pin (req-\d+) was still queued/.exec(run.stderr)?.[1];
    expect(requestid, run.stderr).toBeDefined();
    expect(lastLine(run.stdout)).toMatch(/^bafy/);

    const status = await ipfsPin(['status', requestid!, '--endpoint', mock.url, '--json'], {
      env: { IPFS_PIN_TOKEN: token },
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      requestid,
      status: 'queued',
      pin: { name: 'stuck-site' },
    });
  });

  it('fails with PIN_FAILED when the service reports failed', async () => {
    // Another site: the mock still holds the queued pin of the first one, which a re-run reuses.
    const other = await makeSite(2);
    const run = await ipfsPin(
      ['pin', other, '--endpoint', mock.url, '--name', 'failed-site', '--timeout', '30s'],
      {
        env: { IPFS_PIN_TOKEN: token },
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PIN_FAILED');
    expect(run.stderr).toMatch(/reports pin req-\d+ as failed/);
  });

  it('lists and removes pins', async () => {
    const env = { IPFS_PIN_TOKEN: token };
    const ls = await ipfsPin(['ls', '--endpoint', mock.url, '--name', 'stuck-site', '--json'], { env });
    expect(ls.code, ls.stderr).toBe(0);
    const pins = JSON.parse(ls.stdout) as { requestid: string; status: string }[];
    expect(pins.length).toBeGreaterThan(0);
    const rm = await ipfsPin(['rm', pins[0]!.requestid, '--endpoint', mock.url], { env });
    expect(rm.code, rm.stderr).toBe(0);
    const gone = await ipfsPin(['status', pins[0]!.requestid, '--endpoint', mock.url], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('PSA_NOT_FOUND');
  });
});

describe('ipfs-pin pin shows why a pin failed', () => {
  it('prints the status_details of a failed pin', async () => {
    const site = await makeSite(1);
    const status = (cid: string, s: string, info?: Record<string, string>) => ({
      requestid: 'r-42',
      status: s,
      created: new Date().toISOString(),
      pin: { cid, name: 'x' },
      delegates: ['/ip4/127.0.0.1/tcp/9/p2p/12D3KooWP6mURFmxzifJUZF8RPtQQhaj9JR4fkDqackhrYWUqf5Z'],
      ...(info === undefined ? {} : { info }),
    });
    let cid = '';
    await using server = await startFaultServer({
      handler: (req) => {
        if (req.method === 'GET' && req.path === '/pins') return json(200, { count: 0, results: [] });
        if (req.method === 'POST' && req.path === '/pins') {
          cid = (JSON.parse(req.body) as { cid: string }).cid;
          return json(202, status(cid, 'queued'));
        }
        return json(200, status(cid, 'failed', { status_details: 'disk quota exceeded on node 3' }));
      },
    });
    const run = await ipfsPin(['pin', site, '--endpoint', server.url, '--timeout', '30s']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PIN_FAILED');
    expect(run.stderr).toContain('disk quota exceeded on node 3');
  });
});

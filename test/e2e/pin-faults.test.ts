import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer } from '../support/fault-server.js';
import type { RecordedRequest, Reply } from '../support/fault-server.js';
import { startPsaServer } from '../support/psa-server.js';
import type { PsaServer } from '../support/psa-server.js';
import { ipfsPin, lastLine, makeSite } from './pin-helpers.js';

async function proxy(target: string, req: RecordedRequest): Promise<Reply> {
  const res = await fetch(`${target}${req.path}${req.rawQuery === '' ? '' : `?${req.rawQuery}`}`, {
    method: req.method,
    headers: {
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
      ...(req.body === '' ? {} : { 'content-type': 'application/json' }),
    },
    ...(req.body === '' ? {} : { body: req.body }),
  });
  return {
    status: res.status,
    body: await res.text(),
    headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
  };
}

// A fault server in front of a real pinning service: 429 storms and 5xx bursts on the way.
describe('ipfs-pin pin rides out a misbehaving service', () => {
  let service: PsaServer;
  beforeAll(async () => {
    service = await startPsaServer();
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('gets to pinned through a 429 storm and 5xx bursts, within the request budget', async () => {
    const site = await makeSite(4);
    let polls = 0;
    await using front = await startFaultServer({
      handler: (req): Reply | Promise<Reply> => {
        // A storm on the first requests: longer than one client call retries for.
        if (req.index < 3) return { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' };
        if (req.method === 'GET' && req.path.startsWith('/pins/')) {
          polls += 1;
          // The first polls: 429s past the client's own attempts, then a burst of 5xx.
          if (polls <= 7)
            return {
              status: 429,
              headers: { 'retry-after': '1' },
              body: '{"error":{"reason":"RATE_LIMITED"}}',
            };
          if (polls <= 10)
            return {
              status: [502, 503, 500][polls - 8]!,
              body: '<html>bad gateway</html>',
              headers: { 'content-type': 'text/html' },
            };
        }
        return proxy(service.endpoint, req);
      },
    });
    const started = Date.now();
    const run = await ipfsPin(['pin', site, '--endpoint', front.url, '--timeout', '90s', '--json'], {
      env: { IPFS_PIN_TOKEN: service.token },
      timeoutMs: 150_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { cid: string; services: { status: string }[] };
    expect(result.services[0]?.status).toBe('pinned');
    expect(await service.hasDag(result.cid)).toMatchObject({ complete: true });
    expect(run.stderr).toContain('HTTP 429');
    expect(polls).toBeGreaterThan(10);
    // The budget (1 request/s by default, a burst of 3 so a token check, the lookup and
    // the submit may go together) holds through retries. Counted, not timed: in the whole
    // run the CLI cannot have used more slots than the burst plus one a second. A busy
    // machine makes the run longer and the bound looser, never a false failure.
    const seconds = (Date.now() - started) / 1000;
    expect(front.requests.length).toBeLessThanOrEqual(3 + Math.ceil(seconds));
    expect(lastLine(run.stderr)).toContain('met');
  });
});

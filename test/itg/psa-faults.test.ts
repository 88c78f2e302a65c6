import { describe, expect, it } from 'vitest';
import { createPinningClient } from '../../src/lib/psa/client.js';
import type { PinningClientOptions, PsaProgressEvent } from '../../src/lib/psa/types.js';
import { IpfsPinError } from '../../src/lib/errors.js';
import { collect, failure } from '../support/psa-asserts.js';
import { failureBody, json, startFaultServer } from '../support/fault-server.js';
import type { FaultServer, RecordedRequest } from '../support/fault-server.js';
import { manyPins, memoryPsa, pinStatus } from '../support/psa-fixtures.js';

const TOKEN = 'fault-token-9d2e7b41c6a0';

function client(
  server: FaultServer,
  options: Partial<PinningClientOptions> = {},
): ReturnType<typeof createPinningClient> {
  return createPinningClient({
    endpoint: server.url,
    token: TOKEN,
    retryBaseMs: 5,
    retryMaxMs: 50,
    ...options,
  });
}

/** Everything an error exposes, flattened, to look for the token. */
function exposed(err: IpfsPinError): string {
  const causes: string[] = [];
  for (let c: unknown = err.cause; c !== undefined && c !== null; c = (c as { cause?: unknown }).cause) {
    causes.push(String(c), JSON.stringify(c, Object.getOwnPropertyNames(c)));
  }
  return [
    err.message,
    err.stack,
    JSON.stringify(err),
    JSON.stringify(err.data),
    err.details,
    err.reason,
    ...causes,
  ].join('\n');
}

describe('429 and Retry-After', () => {
  it('waits the Retry-After seconds, then succeeds', async () => {
    await using server = await startFaultServer({
      script: [
        json(429, failureBody('RATE_LIMITED'), { 'retry-after': '1' }),
        json(200, pinStatus({ requestid: 'r1' })),
      ],
    });
    const events: PsaProgressEvent[] = [];
    let retryAt = 0;
    const pin = await client(server).get('r1', {
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'psa:request:retry') retryAt = Date.now();
      },
    });
    expect(pin.requestid).toBe('r1');
    expect(server.requests).toHaveLength(2);
    const retry = events.find((e) => e.type === 'psa:request:retry');
    expect(retry?.detail).toMatchObject({
      method: 'GET',
      path: '/pins/r1',
      attempt: 1,
      delayMs: 1000,
      status: 429,
      code: 'PSA_RATE_LIMITED',
    });
    // The client's own clock: the second attempt went out a full second after it decided
    // to wait (a busy machine only makes that later).
    const done = events.filter((e) => e.type === 'psa:request:done');
    expect(done.map((e) => e.detail.status)).toEqual([429, 200]);
    expect((done[1]?.detail.sentAt ?? 0) - retryAt).toBeGreaterThanOrEqual(999);
  });

  it('waits until a Retry-After HTTP date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    await using server = await startFaultServer({
      script: [
        json(429, failureBody('RATE_LIMITED'), { 'retry-after': at }),
        json(200, pinStatus({ requestid: 'r2' })),
      ],
    });
    const events: PsaProgressEvent[] = [];
    let retryAt = 0;
    await client(server).get('r2', {
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'psa:request:retry') retryAt = Date.now();
      },
    });
    const retry = events.find((e) => e.type === 'psa:request:retry');
    // The wait is what was left until the date when the client decided (taken from the
    // client's own clock, so a stall before the request does not matter), not the backoff.
    const left = Math.max(0, Date.parse(at) - retryAt);
    expect(retry?.detail.delayMs).toBeGreaterThanOrEqual(left - 20);
    expect(retry?.detail.delayMs).toBeLessThanOrEqual(left + 20);
    expect(retry?.detail.delayMs).toBeLessThanOrEqual(3000);
  });

  it('fails fast with PSA_RATE_LIMITED and a time to retry when Retry-After passes the deadline', async () => {
    await using server = await startFaultServer({
      handler: () => json(429, failureBody('RATE_LIMITED'), { 'retry-after': '120' }),
    });
    const t0 = Date.now();
    const err = await failure(client(server, { callTimeoutMs: 10_000 }).get('r3'));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toMatchObject({ code: 'PSA_RATE_LIMITED', status: 429, reason: 'RATE_LIMITED' });
    expect(err.message).toMatch(
      /wait 120 s \(Retry-After\), past this call's deadline.*retry after \d{4}-\d\d-\d\dT/,
    );
    expect(err.data).toMatchObject({ retryAfterMs: 120_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('honours Retry-After on a 503 too', async () => {
    await using server = await startFaultServer({
      script: [{ status: 503, headers: { 'retry-after': '1' } }, json(200, pinStatus({ requestid: 'r5' }))],
    });
    const events: PsaProgressEvent[] = [];
    await client(server).get('r5', { onProgress: (e) => events.push(e) });
    expect(events.find((e) => e.type === 'psa:request:retry')?.detail).toMatchObject({
      delayMs: 1000,
      status: 503,
    });
  });

  it('copes with an absurd Retry-After', async () => {
    await using server = await startFaultServer({
      handler: () => json(429, failureBody('RATE_LIMITED'), { 'retry-after': '9000000000000' }),
    });
    const err = await failure(client(server).get('r6'));
    expect(err.code).toBe('PSA_RATE_LIMITED');
  });

  it('gives PSA_RATE_LIMITED once maxAttempts are used up', async () => {
    await using server = await startFaultServer({
      handler: () => json(429, failureBody('RATE_LIMITED'), { 'retry-after': '0' }),
    });
    const err = await failure(client(server, { maxAttempts: 3 }).get('r4'));
    expect(err.code).toBe('PSA_RATE_LIMITED');
    expect(err.message).toContain('after 3 attempts');
    expect(server.requests).toHaveLength(3);
  });
});

describe('5xx, 408 and other statuses', () => {
  it('retries a burst of 5xx and 408, then succeeds, emitting one retry event per failure', async () => {
    await using server = await startFaultServer({
      script: [
        { status: 503 },
        json(500, failureBody('INTERNAL')),
        { status: 408 },
        { status: 502, body: 'bad gateway' },
        json(200, pinStatus({ requestid: 'ok' })),
      ],
    });
    const events: PsaProgressEvent[] = [];
    const pin = await client(server).get('ok', { onProgress: (e) => events.push(e) });
    expect(pin.requestid).toBe('ok');
    expect(server.requests).toHaveLength(5);
    const retries = events
      .filter((e) => e.type === 'psa:request:retry')
      .map((e) => [e.detail.attempt, e.detail.status, e.detail.code]);
    expect(retries).toEqual([
      [1, 503, 'PSA_SERVER_ERROR'],
      [2, 500, 'PSA_SERVER_ERROR'],
      [3, 408, 'PSA_REQUEST_FAILED'],
      [4, 502, 'PSA_SERVER_ERROR'],
    ]);
  });

  it('gives PSA_SERVER_ERROR after maxAttempts of 5xx', async () => {
    await using server = await startFaultServer({
      handler: () => json(503, failureBody('DOWN', 'maintenance')),
    });
    const err = await failure(client(server, { maxAttempts: 4 }).get('x'));
    expect(err).toMatchObject({
      code: 'PSA_SERVER_ERROR',
      status: 503,
      reason: 'DOWN',
      details: 'maintenance',
    });
    expect(server.requests).toHaveLength(4);
  });

  it.each([
    [400, failureBody('BAD_CID', 'not a CID'), 'PSA_BAD_REQUEST'],
    [400, failureBody('KEYS_MUST_BE_STRINGS', 'pinata without a token'), 'PSA_UNAUTHORIZED'],
    [401, failureBody('UNAUTHORIZED'), 'PSA_UNAUTHORIZED'],
    [403, 'requires a paid account', 'PSA_FORBIDDEN'],
    [404, failureBody('NOT_FOUND'), 'PSA_NOT_FOUND'],
    [409, failureBody('INSUFFICIENT_FUNDS', 'top up'), 'PSA_INSUFFICIENT_FUNDS'],
    [418, failureBody('TEAPOT'), 'PSA_REQUEST_FAILED'],
    [501, failureBody('NOT_IMPLEMENTED'), 'PSA_SERVER_ERROR'],
  ] as const)('HTTP %i is not retried and maps to its code', async (status, body, code) => {
    await using server = await startFaultServer({
      handler: () => (typeof body === 'string' ? { status, body } : json(status, body)),
    });
    const err = await failure(client(server).add({ cid: 'bafkreix' }));
    expect(err).toMatchObject({ code, status });
    if (typeof body !== 'string') expect(err).toMatchObject({ reason: body.error.reason });
    else expect(err.message).toContain('requires a paid account');
    expect(server.requests).toHaveLength(1);
  });

  it('reports an HTML error page by its title and the HTTP status', async () => {
    const html =
      '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>';
    await using server = await startFaultServer({
      handler: () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: html }),
    });
    const err = await failure(client(server, { maxAttempts: 2 }).get('abc'));
    expect(err.code).toBe('PSA_SERVER_ERROR');
    expect(err.message).toContain(`HTTP 502 from ${server.url}/pins/abc: 502 Bad Gateway`);
    expect(err.message).not.toContain('<');
  });

  it('gives PSA_BAD_RESPONSE with status and a short snippet for a non-JSON 2xx body', async () => {
    const page = `<html><head><title>Login</title></head><body>${'x'.repeat(5000)}</body></html>`;
    await using server = await startFaultServer({
      handler: () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: page }),
    });
    const err = await failure(client(server).get('abc'));
    expect(err).toMatchObject({ code: 'PSA_BAD_RESPONSE', status: 200 });
    expect(err.message).toContain('HTTP 200');
    expect(err.message).toContain('not JSON');
    expect(err.message.length).toBeLessThan(600);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses to buffer a body larger than 16 MiB (an endpoint that is a download)', async () => {
    const big = 'x'.repeat(17 * 1024 * 1024);
    await using server = await startFaultServer({
      handler: () => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: big }),
    });
    const err = await failure(client(server).get('big'));
    expect(err.code).toBe('PSA_BAD_RESPONSE');
    expect(err.message).toContain('larger than');
  });

  it('gives PSA_BAD_RESPONSE naming the missing field of a PinStatus', async () => {
    await using server = await startFaultServer({
      handler: () => json(200, { requestid: 'x', status: 'queued', created: 'now', pin: {} }),
    });
    const err = await failure(client(server).get('x'));
    expect(err.code).toBe('PSA_BAD_RESPONSE');
    expect(err.message).toContain('PinStatus.pin.cid');
  });

  it('accepts 200 instead of 202 (ipfs-cluster), a missing delegates list, and DELETE answering 200 "OK" (Pinata)', async () => {
    const { delegates: _drop, ...noDelegates } = pinStatus({ requestid: 'c1', cid: 'bafkreicluster' });
    await using server = await startFaultServer({
      script: [
        json(200, noDelegates),
        { status: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' },
        { status: 204 },
      ],
    });
    const c = client(server);
    const pin = await c.add({ cid: 'bafkreicluster' });
    expect(pin).toMatchObject({ requestid: 'c1', delegates: [] });
    await c.remove('c1');
    await c.remove('c1');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /pins',
      'DELETE /pins/c1',
      'DELETE /pins/c1',
    ]);
  });
});

describe('network faults, deadlines and aborts', () => {
  it('retries connection resets, then succeeds', async () => {
    await using server = await startFaultServer({
      script: [{ reset: true }, { reset: true }, json(200, pinStatus({ requestid: 'after-reset' }))],
    });
    expect((await client(server).get('after-reset')).requestid).toBe('after-reset');
    expect(server.requests).toHaveLength(3);
  });

  it('gives PSA_NETWORK after resets use up the attempts, with no token anywhere', async () => {
    await using server = await startFaultServer({ handler: () => ({ reset: true }) });
    const err = await failure(client(server, { maxAttempts: 3 }).get('x'));
    expect(err.code).toBe('PSA_NETWORK');
    expect(err.message).toContain('after 3 attempts');
    expect(err.cause).toBeInstanceOf(Error);
    expect(exposed(err)).not.toContain(TOKEN);
  });

  it('gives PSA_NETWORK for a port nothing listens on', async () => {
    const server = await startFaultServer();
    const url = server.url;
    await server.close();
    const err = await failure(
      createPinningClient({ endpoint: url, token: TOKEN, maxAttempts: 2, retryBaseMs: 5 }).get('x'),
    );
    expect(err.code).toBe('PSA_NETWORK');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('gives PSA_TIMEOUT promptly when the service is slower than the call deadline', async () => {
    await using server = await startFaultServer({ handler: () => ({ hang: true }) });
    const t0 = Date.now();
    const err = await failure(client(server, { callTimeoutMs: 400 }).get('slow'));
    expect(err.code).toBe('PSA_TIMEOUT');
    expect(err.message).toContain('callTimeoutMs');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('gives PSA_TIMEOUT when the body stalls past the deadline', async () => {
    await using server = await startFaultServer({
      handler: () => ({ ...json(200, pinStatus()), stallBodyMs: 30_000 }),
    });
    const t0 = Date.now();
    const err = await failure(client(server, { callTimeoutMs: 400 }).get('stall'));
    expect(err.code).toBe('PSA_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('retries an attempt that passes requestTimeoutMs', async () => {
    await using server = await startFaultServer({
      script: [{ hang: true }, json(200, pinStatus({ requestid: 'second' }))],
    });
    const events: PsaProgressEvent[] = [];
    const pin = await client(server, { requestTimeoutMs: 200 }).get('second', {
      onProgress: (e) => events.push(e),
    });
    expect(pin.requestid).toBe('second');
    expect(events.find((e) => e.type === 'psa:request:retry')?.detail.code).toBe('PSA_TIMEOUT');
  });

  it('stops promptly with ABORTED when the caller aborts mid-sleep', async () => {
    await using server = await startFaultServer({
      handler: () => json(429, failureBody('RATE_LIMITED'), { 'retry-after': '30' }),
    });
    const controller = new AbortController();
    const c = client(server, { callTimeoutMs: 120_000 });
    const t0 = Date.now();
    const p = c.get('x', {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'psa:request:retry') setTimeout(() => controller.abort(), 50);
      },
    });
    const err = await failure(p);
    expect(err.code).toBe('ABORTED');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
  });

  it('stops promptly with ABORTED when the caller aborts mid-request, and at once when already aborted', async () => {
    await using server = await startFaultServer({ handler: () => ({ hang: true }) });
    const t0 = Date.now();
    const err = await failure(client(server).get('x', { signal: AbortSignal.timeout(100) }));
    expect(err.code).toBe('ABORTED');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const before = server.requests.length;
    expect((await failure(client(server).get('x', { signal: AbortSignal.abort() }))).code).toBe('ABORTED');
    expect(server.requests).toHaveLength(before);
  });

  it('does not count the request-budget wait against requestTimeoutMs', async () => {
    await using server = await startFaultServer({ handler: () => json(200, pinStatus()) });
    // The third call waits 1.4 s for its slot, longer than one attempt may take.
    const c = client(server, {
      minIntervalMs: 700,
      requestTimeoutMs: 1000,
      maxAttempts: 1,
      callTimeoutMs: Number.POSITIVE_INFINITY,
    });
    await Promise.all([c.get('a'), c.get('b'), c.get('c')]);
    expect(server.requests).toHaveLength(3);
  });

  it('keeps minIntervalMs between requests of one client', async () => {
    await using server = await startFaultServer({ handler: () => json(200, pinStatus()) });
    const c = client(server, { minIntervalMs: 300 });
    // A first request opens the connection, so the measured ones do not differ by that.
    await c.get('warm-up');
    const sent: number[] = [];
    const onProgress = (e: PsaProgressEvent): void => {
      if (e.type === 'psa:request:done') sent.push(e.detail.sentAt);
    };
    const called = Date.now();
    await Promise.all(['a', 'b', 'c'].map((id) => c.get(id, { onProgress })));
    // The budget reserves a slot per request, 300 ms apart: the third cannot go before two
    // intervals have passed (a busy machine only delays it more). Exact spacing is the
    // pacer's unit test, on fake timers.
    expect(server.requests).toHaveLength(4);
    expect(Math.max(...sent) - called).toBeGreaterThanOrEqual(599);
  });
});

describe('secrets and redirects', () => {
  it('sends the token only as a Bearer header, and never repeats one the service echoes back', async () => {
    await using server = await startFaultServer({
      handler: (req) => {
        const auth = String(req.headers.authorization);
        return json(400, failureBody(`BAD_${auth.slice(7)}`, `you sent ${auth}, key=${auth.slice(7)}`));
      },
    });
    const c = client(server);
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(Object.values(c).map(String).join(' ')).not.toContain(TOKEN);
    const err = await failure(c.add({ cid: 'bafkreiecho' }));
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]?.rawQuery).toBe('');
    expect(exposed(err)).not.toContain(TOKEN);
    expect(err.details).toContain('[redacted]');
  });

  it('refuses a redirect to another origin with PSA_REQUEST_FAILED, and never asks it', async () => {
    await using other = await startFaultServer({
      handler: () => json(200, pinStatus({ requestid: 'elsewhere' })),
    });
    await using server = await startFaultServer({
      handler: (req) => ({ status: 307, headers: { location: `${other.url}${req.path}` } }),
    });
    const err = await failure(client(server).get('elsewhere'));
    expect(err.code).toBe('PSA_REQUEST_FAILED');
    expect(err.message).toContain(`redirects to another origin (${other.url})`);
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });

  it('names the origin of a refused redirect without the token a service put in its host', async () => {
    await using server = await startFaultServer({
      handler: (req) => ({
        status: 307,
        headers: { location: `http://${String(req.headers.authorization).slice(7)}.evil.example${req.path}` },
      }),
    });
    const err = await failure(client(server).get('elsewhere'));
    expect(err.code).toBe('PSA_REQUEST_FAILED');
    expect(err.message).toContain('redirects to another origin (http://[redacted].evil.example)');
    expect(exposed(err)).not.toContain(TOKEN.toLowerCase());
  });

  it('never sends a request to a metadata or private address a redirect names', async () => {
    const asked: string[] = [];
    for (const target of [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://127.0.0.1:1/pins',
      'http://10.0.0.1/pins',
      'http://[::1]:2/pins',
      'http://metadata.google.internal/computeMetadata/v1/',
    ]) {
      await using server = await startFaultServer({
        handler: () => ({ status: 302, headers: { location: target } }),
      });
      const spy: typeof fetch = (input, init) => {
        asked.push(String(input));
        return fetch(input, init);
      };
      const err = await failure(
        createPinningClient({ endpoint: server.url, token: TOKEN, fetch: spy, maxAttempts: 1 }).get('x'),
      );
      expect(err.code).toBe('PSA_REQUEST_FAILED');
      expect(JSON.stringify(err)).not.toContain(TOKEN);
    }
    expect(
      asked.filter((u) => !u.startsWith('http://127.0.0.1:') || u.startsWith('http://127.0.0.1:1/')),
    ).toEqual([]);
  });

  it('keeps the token and the method on a same-origin redirect', async () => {
    await using server = await startFaultServer({
      script: [
        { status: 308, headers: { location: '/v2/pins' } },
        json(202, pinStatus({ requestid: 'moved' })),
      ],
    });
    const pin = await client(server).add({ cid: 'bafkreimoved' });
    expect(pin.requestid).toBe('moved');
    expect(server.requests.map((r) => `${r.method} ${r.path} ${String(r.headers.authorization)}`)).toEqual([
      `POST /pins Bearer ${TOKEN}`,
      `POST /v2/pins Bearer ${TOKEN}`,
    ]);
    expect(JSON.parse(server.requests[1]?.body ?? '{}')).toEqual({ cid: 'bafkreimoved' });
  });

  it('gives up after 5 redirects with PSA_BAD_RESPONSE', async () => {
    await using server = await startFaultServer({
      handler: (req) => ({ status: 302, headers: { location: `${req.path}x` } }),
    });
    const err = await failure(client(server).get('loop'));
    expect(err.code).toBe('PSA_BAD_RESPONSE');
    expect(err.message).toContain('redirects');
    expect(server.requests).toHaveLength(6);
  });

  it('rejects a token that cannot go in a header without quoting it', () => {
    let caught: unknown;
    try {
      createPinningClient({ endpoint: 'https://x.example/psa', token: 'abc\ndef-secret' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IpfsPinError);
    expect((caught as IpfsPinError).code).toBe('INVALID_INPUT');
    expect((caught as IpfsPinError).message).not.toContain('def-secret');
  });
});

describe('list: encoding and pagination', () => {
  it('encodes cid and status as comma lists, meta as URL-encoded JSON and dates as ISO strings', async () => {
    await using server = await startFaultServer({ handler: () => json(200, { count: 0, results: [] }) });
    const before = new Date('2026-02-03T04:05:06.000Z');
    await collect(
      client(server).list({
        cid: ['bafkreia', 'bafkreib'],
        status: ['queued', 'pinned'],
        name: 'a b&c',
        match: 'iexact',
        meta: { app: 'x&y', n: '1' },
        before,
        after: '2026-01-01T00:00:00Z',
        limit: 50,
      }),
    );
    const req = server.requests[0];
    expect(req?.rawQuery).toContain('cid=bafkreia,bafkreib');
    expect(req?.rawQuery).toContain('status=queued,pinned');
    expect(req?.query.get('name')).toBe('a b&c');
    expect(req?.query.get('match')).toBe('iexact');
    expect(JSON.parse(req?.query.get('meta') ?? '')).toEqual({ app: 'x&y', n: '1' });
    expect(req?.query.get('before')).toBe('2026-02-03T04:05:06.000Z');
    expect(req?.query.get('after')).toBe('2026-01-01T00:00:00Z');
    expect(req?.query.get('limit')).toBe('50');
  });

  it('splits more than 10 CIDs into several requests of at most 10', async () => {
    await using server = await startFaultServer({ handler: () => json(200, { count: 0, results: [] }) });
    const cids = Array.from({ length: 23 }, (_, i) => `bafkreisplit${i}`);
    await collect(client(server).list({ cid: cids, status: ['pinned'] }));
    const sent = server.requests.map((r) => r.query.get('cid')?.split(',') ?? []);
    expect(sent.map((s) => s.length)).toEqual([10, 10, 3]);
    expect(sent.flat()).toEqual(cids);
  });

  it('follows pagination with before=<oldest created> over 30 pins', async () => {
    const pins = manyPins(30);
    await using server = await startFaultServer({ handler: memoryPsa([...pins]) });
    const got = await collect(client(server).list({ status: ['pinned'], limit: 7 }));
    expect(got.map((p) => p.requestid).sort()).toEqual(pins.map((p) => p.requestid).sort());
    expect(server.requests).toHaveLength(5);
    expect(server.requests[0]?.query.get('before')).toBeNull();
    // Page 1 holds p-29..p-23: the next asks for pins before p-23.
    expect(server.requests[1]?.query.get('before')).toBe(pins[23]?.created);
  });

  it('stops after one request on a service that ignores limit', async () => {
    await using server = await startFaultServer({ handler: memoryPsa(manyPins(30), { ignoreLimit: true }) });
    expect(await collect(client(server).list({ status: ['pinned'], limit: 5 }))).toHaveLength(30);
    expect(server.requests).toHaveLength(1);
  });

  it('stops on a service that repeats the same page, then asks once for the rest', async () => {
    await using server = await startFaultServer({ handler: memoryPsa(manyPins(30), { ignoreBefore: true }) });
    const got = await collect(client(server).list({ status: ['pinned'], limit: 7 }));
    expect(got).toHaveLength(30);
    expect(new Set(got.map((p) => p.requestid)).size).toBe(30);
    expect(server.requests.map((r) => r.query.get('limit'))).toEqual(['7', '7', '1000']);
  });

  it('ends on a service that repeats the same page whatever the limit', async () => {
    const pins = manyPins(30);
    await using server = await startFaultServer({
      handler: () => json(200, { count: 30, results: pins.slice(0, 7) }),
    });
    const got = await collect(client(server).list({ status: ['pinned'], limit: 7 }));
    expect(got).toHaveLength(7);
    expect(server.requests).toHaveLength(3);
  });

  it('yields each pin once with an inclusive before (ipfs-cluster), and ends', async () => {
    await using server = await startFaultServer({
      handler: memoryPsa(manyPins(26), { inclusiveBefore: true }),
    });
    const got = await collect(client(server).list({ status: ['pinned'], limit: 5 }));
    expect(new Set(got.map((p) => p.requestid)).size).toBe(26);
    expect(got).toHaveLength(26);
  });

  it('goes on past a full page on a service whose count is the page length', async () => {
    await using server = await startFaultServer({
      handler: memoryPsa(manyPins(21), { countIsPageSize: true }),
    });
    expect(await collect(client(server).list({ status: ['pinned'], limit: 7 }))).toHaveLength(21);
    // 7 + 7 + 7, then an empty page to be sure.
    expect(server.requests).toHaveLength(4);
  });

  it('collects what before-paging misses on a service that does not sort newest first', async () => {
    await using server = await startFaultServer({ handler: memoryPsa(manyPins(30), { oldestFirst: true }) });
    const got = await collect(client(server).list({ status: ['pinned'], limit: 7 }));
    expect(new Set(got.map((p) => p.requestid)).size).toBe(30);
    expect(got).toHaveLength(30);
    expect(server.requests.map((r) => r.query.get('limit'))).toEqual(['7', '7', '1000']);
  });

  it('reads the page size the service chose when no limit is asked', async () => {
    await using server = await startFaultServer({ handler: memoryPsa(manyPins(25), { defaultLimit: 10 }) });
    expect(await collect(client(server).list({ status: ['pinned'] }))).toHaveLength(25);
    expect(server.requests[0]?.query.get('limit')).toBeNull();
    expect(server.requests).toHaveLength(3);
  });
});

describe('POST safety after ambiguous failures', () => {
  it('does not create a duplicate when the connection drops after the service created the pin', async () => {
    const psa = memoryPsa([]);
    let dropped = false;
    await using server = await startFaultServer({
      handler: async (req: RecordedRequest) => {
        const reply = await psa(req);
        if (req.method === 'POST' && !dropped) {
          dropped = true;
          return { reset: true };
        }
        return reply;
      },
    });
    const pin = await client(server).add({ cid: 'bafkreionce', name: 'site' });
    expect(pin.pin).toEqual({ cid: 'bafkreionce', name: 'site' });
    expect(psa.pins).toHaveLength(1);
    expect(pin.requestid).toBe(psa.pins[0]?.requestid);
    const lookup = server.requests[1];
    expect(`${lookup?.method} ${lookup?.path}`).toBe('GET /pins');
    expect(lookup?.rawQuery).toBe('cid=bafkreionce&status=queued,pinning,pinned,failed');
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('recognises its pin when the service answers the CID in another form (v0 sent, v1 back)', async () => {
    const v0 = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR';
    const v1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    const made = pinStatus({
      requestid: 'v1-form',
      cid: v1,
      name: 'site',
      created: new Date().toISOString(),
    });
    await using server = await startFaultServer({
      script: [{ reset: true }, json(200, { count: 1, results: [made] })],
    });
    const pin = await client(server).add({ cid: v0, name: 'site' });
    expect(pin.requestid).toBe('v1-form');
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('does not reuse a pin with the same CID but another name: it sends the POST again', async () => {
    const psa = memoryPsa([
      pinStatus({ requestid: 'old', cid: 'bafkreisame', name: 'other', status: 'pinned' }),
    ]);
    await using server = await startFaultServer({ script: [{ status: 503 }], handler: psa });
    const pin = await client(server).add({ cid: 'bafkreisame', name: 'mine' });
    expect(pin.requestid).not.toBe('old');
    expect(pin.pin.name).toBe('mine');
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('does not take an old failed pin for the one the dropped POST made', async () => {
    const old = pinStatus({
      requestid: 'old-failed',
      cid: 'bafkreiold',
      name: 'site',
      status: 'failed',
      created: '2020-01-01T00:00:00.000Z',
    });
    const psa = memoryPsa([old]);
    await using server = await startFaultServer({ script: [{ reset: true }], handler: psa });
    const pin = await client(server).add({ cid: 'bafkreiold', name: 'site' });
    expect(pin.requestid).not.toBe('old-failed');
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'POST']);
  });

  it('takes a failed pin made just now by the dropped POST', async () => {
    const psa = memoryPsa([]);
    await using server = await startFaultServer({
      script: [
        (req) => {
          psa.pins.push(
            pinStatus({
              requestid: 'just-failed',
              cid: JSON.parse(req.body).cid,
              name: 'site',
              status: 'failed',
              created: new Date().toISOString(),
            }),
          );
          return { reset: true };
        },
      ],
      handler: psa,
    });
    const pin = await client(server).add({ cid: 'bafkreinow', name: 'site' });
    expect(pin).toMatchObject({ requestid: 'just-failed', status: 'failed' });
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('does not look anything up after an unambiguous failure (429)', async () => {
    const psa = memoryPsa([]);
    await using server = await startFaultServer({
      script: [json(429, failureBody('SLOW'), { 'retry-after': '0' })],
      handler: psa,
    });
    await client(server).add({ cid: 'bafkreirate' });
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('does not replace twice when the connection drops after the service replaced the pin', async () => {
    const psa = memoryPsa([pinStatus({ requestid: 'v1', cid: 'bafkreiv1', name: 'site', status: 'pinned' })]);
    let dropped = false;
    await using server = await startFaultServer({
      handler: async (req) => {
        const reply = await psa(req);
        if (req.method === 'POST' && !dropped) {
          dropped = true;
          return { reset: true };
        }
        return reply;
      },
    });
    const pin = await client(server).replace('v1', { cid: 'bafkreiv2', name: 'site' });
    expect(pin.pin.cid).toBe('bafkreiv2');
    expect(psa.pins.map((p) => p.requestid)).toEqual([pin.requestid]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /pins/v1',
      'GET /pins/v1',
      'GET /pins',
    ]);
  });

  it('sends the replace again when the old pin is still there', async () => {
    const psa = memoryPsa([pinStatus({ requestid: 'v1', cid: 'bafkreiv1', name: 'site', status: 'pinned' })]);
    await using server = await startFaultServer({ script: [{ reset: true }], handler: psa });
    const pin = await client(server).replace('v1', { cid: 'bafkreiv2', name: 'site' });
    expect(psa.pins.map((p) => p.requestid)).toEqual([pin.requestid]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /pins/v1',
      'GET /pins/v1',
      'POST /pins/v1',
    ]);
  });
});

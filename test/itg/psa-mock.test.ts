import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinningClient } from '../../src/lib/psa/client.js';
import type { PinStatus, PinningClient, PsaProgressEvent } from '../../src/lib/psa/types.js';
import { collect, failure } from '../support/psa-asserts.js';
import { startMockPsa } from '../support/mock-psa.js';
import type { MockPsa } from '../support/mock-psa.js';

const TOKEN = 'mock-token-5f3a9c1e77';
// The mock checks no CID syntax; distinct strings keep the tests readable.
const cid = (i: number): string => `bafkreitest${String(i).padStart(4, '0')}`;

let psa: MockPsa;
let client: PinningClient;

beforeAll(async () => {
  psa = await startMockPsa({ token: TOKEN });
  client = createPinningClient({ endpoint: `${psa.url}/`, token: TOKEN, retryBaseMs: 10 });
});
afterAll(async () => {
  await psa.close();
});

describe('PSA client against mock-ipfs-pinning-service', () => {
  it('runs the whole lifecycle: add, get, list, replace, remove', async () => {
    const events: PsaProgressEvent[] = [];
    const added = await client.add(
      { cid: cid(1), name: 'pinned-site', meta: { app: 'lifecycle' } },
      { onProgress: (e) => events.push(e) },
    );
    expect(added).toMatchObject({
      status: 'pinned',
      pin: { cid: cid(1), name: 'pinned-site', meta: { app: 'lifecycle' } },
    });
    expect(added.delegates.length).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(['psa:request:done']);
    expect(events[0]?.detail).toMatchObject({ method: 'POST', path: '/pins', status: 202 });

    expect(await client.get(added.requestid)).toEqual(added);
    const listed = await collect(client.list({ name: 'pinned-site', status: ['pinned'] }));
    expect(listed.map((p) => p.requestid)).toEqual([added.requestid]);

    const replaced = await client.replace(added.requestid, {
      cid: cid(2),
      name: 'queued-site',
      meta: { app: 'lifecycle' },
    });
    expect(replaced.requestid).not.toBe(added.requestid);
    expect(replaced).toMatchObject({ status: 'queued', pin: { cid: cid(2) } });
    expect((await failure(client.get(added.requestid))).code).toBe('PSA_NOT_FOUND');

    await client.remove(replaced.requestid);
    const gone = await failure(client.get(replaced.requestid));
    expect(gone).toMatchObject({ code: 'PSA_NOT_FOUND', status: 404 });
    expect((await failure(client.remove(replaced.requestid))).code).toBe('PSA_NOT_FOUND');
  });

  it('maps a wrong or missing token to PSA_UNAUTHORIZED without revealing the token', async () => {
    const wrong = 'wrong-token-0c4b2d8a91';
    const bad = createPinningClient({ endpoint: psa.url, token: wrong });
    const err = await failure(bad.add({ cid: cid(3) }));
    expect(err).toMatchObject({ code: 'PSA_UNAUTHORIZED', status: 401 });
    expect(err.message).toContain('Check the token');
    const everything = JSON.stringify({
      ...err,
      message: err.message,
      stack: err.stack,
      cause: String(err.cause),
    });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(TOKEN);

    const none = createPinningClient({ endpoint: psa.url });
    expect((await failure(none.get('req-1'))).code).toBe('PSA_UNAUTHORIZED');
  });

  it('filters by status, name, cid lists over 10 and meta', async () => {
    const prefixes = ['queued', 'pinning', 'pinned', 'failed'] as const;
    const made: PinStatus[] = [];
    for (let i = 0; i < 12; i++) {
      const prefix = prefixes[i % 4] ?? 'queued';
      made.push(
        await client.add({
          cid: cid(100 + i),
          name: `${prefix}-f${i}`,
          meta: { batch: 'filters', half: i < 6 ? 'a' : 'b' },
        }),
      );
    }
    const all = ['queued', 'pinning', 'pinned', 'failed'] as const;

    const byStatus = (await collect(client.list({ status: ['queued', 'failed'] }))).filter(
      (p) => p.pin.meta?.batch === 'filters',
    );
    expect(byStatus.map((p) => p.status).sort()).toEqual([
      ...Array(3).fill('failed'),
      ...Array(3).fill('queued'),
    ]);

    const byName = await collect(client.list({ name: 'pinned-f6', status: [...all] }));
    expect(byName.map((p) => p.pin.cid)).toEqual([cid(106)]);

    // 12 CIDs: the spec allows 10 per request, so the client must split.
    const byCid = await collect(client.list({ cid: made.map((p) => p.pin.cid), status: [...all] }));
    expect(byCid.map((p) => p.requestid).sort()).toEqual(made.map((p) => p.requestid).sort());

    // The mock's validator fails (HTML 500) on any `meta` query, so the meta encoding is
    // tested against the fault server (psa-faults.test.ts). What it does prove: the
    // HTML error page is reported readably after the retries.
    const err = await failure(collect(client.list({ meta: { batch: 'filters' } })));
    expect(err).toMatchObject({ code: 'PSA_SERVER_ERROR', status: 500 });
    expect(err.message).toMatch(/^HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/pins: Error \(after 6 attempts\)/);

    expect(await collect(client.list({ cid: [], status: [...all] }))).toEqual([]);
  });

  it('returns the same requestid when the same CID is added again (mock semantics)', async () => {
    const first = await client.add({ cid: cid(200), name: 'pinning-again' });
    const second = await client.add({ cid: cid(200), name: 'pinning-again' });
    expect(second.requestid).toBe(first.requestid);
  });

  it('rejects bad input before sending anything', async () => {
    expect((await failure(client.add({ cid: '' }))).code).toBe('INVALID_INPUT');
    expect((await failure(client.add({ cid: cid(1), name: 'x'.repeat(256) }))).message).toContain(
      '255 bytes',
    );
    expect((await failure(client.get(''))).code).toBe('INVALID_INPUT');
    expect((await failure(collect(client.list({ limit: 0 })))).code).toBe('INVALID_INPUT');
    expect(() => createPinningClient({ endpoint: `${psa.url}/pins` })).toThrow(/remove the trailing \/pins/);
  });
});

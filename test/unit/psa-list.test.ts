import { describe, expect, it } from 'vitest';
import { listAll } from '../../src/lib/psa/list.js';
import type { ListQuery, PinResults, PinStatus } from '../../src/lib/psa/types.js';
import { pinStatus } from '../support/psa-fixtures.js';

const CID_A = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const CID_B = 'bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq';

async function collect(it: AsyncIterable<PinStatus>): Promise<PinStatus[]> {
  const out: PinStatus[] = [];
  for await (const p of it) out.push(p);
  return out;
}

/** A service with `n` pins of CID_B, newest first, that ignores the cid filter. */
function ignoresCidFilter(n: number): {
  fetchPage: (q: ListQuery) => Promise<PinResults>;
  requests: ListQuery[];
} {
  const all = Array.from({ length: n }, (_, i) =>
    pinStatus({
      requestid: `r${i}`,
      cid: CID_B,
      created: new Date(Date.UTC(2026, 0, 1, 0, 0, n - i)).toISOString(),
    }),
  );
  const requests: ListQuery[] = [];
  return {
    requests,
    fetchPage: (q) => {
      requests.push(q);
      const older =
        q.before === undefined
          ? all
          : all.filter((p) => Date.parse(p.created) < Date.parse(q.before as string));
      return Promise.resolve({ count: older.length, results: older.slice(0, q.limit ?? 10) });
    },
  };
}

describe('listAll against services that misbehave', () => {
  it('drops pins of other CIDs and stops after one page when the service ignores the cid filter', async () => {
    const service = ignoresCidFilter(500);
    expect(await collect(listAll({ cid: [CID_A] }, service.fetchPage))).toEqual([]);
    expect(service.requests).toHaveLength(1);
  });

  it('still finds the pin of the CID asked for in such a page, in another CID form', async () => {
    const service = ignoresCidFilter(5);
    const mine = pinStatus({ requestid: 'mine', cid: CID_A, created: '2027-01-01T00:00:00Z' });
    const found = await collect(
      listAll({ cid: [CID_A] }, async (q) => {
        const page = await service.fetchPage(q);
        return { count: page.count + 1, results: [mine, ...page.results] };
      }),
    );
    expect(found.map((p) => p.requestid)).toEqual(['mine']);
  });

  it('fails with PSA_BAD_RESPONSE instead of reading forever when every page brings new pins', async () => {
    let n = 0;
    const endless = (q: ListQuery): Promise<PinResults> =>
      Promise.resolve({
        count: 1_000_000_000,
        results: Array.from({ length: q.limit ?? 10 }, () =>
          pinStatus({
            requestid: `x${n++}`,
            created: new Date(Date.UTC(2026, 0, 1) - n * 1000).toISOString(),
          }),
        ),
      });
    await expect(collect(listAll({}, endless, { maxPages: 50 }))).rejects.toMatchObject({
      code: 'PSA_BAD_RESPONSE',
    });
    expect(n).toBe(500);
    n = 0;
    await expect(collect(listAll({ limit: 1000 }, endless, { maxItems: 2500 }))).rejects.toMatchObject({
      code: 'PSA_BAD_RESPONSE',
      message: expect.stringMatching(/past 2500 pins/) as unknown,
    });
  });

  it('has default bounds', async () => {
    let pages = 0;
    const endless = (q: ListQuery): Promise<PinResults> => {
      pages++;
      return Promise.resolve({
        count: 1_000_000_000,
        results: Array.from({ length: q.limit ?? 10 }, (_, i) =>
          pinStatus({
            requestid: `p${pages}-${i}`,
            created: new Date(Date.UTC(2026, 0, 1) - pages * 1000).toISOString(),
          }),
        ),
      });
    };
    await expect(collect(listAll({}, endless))).rejects.toMatchObject({ code: 'PSA_BAD_RESPONSE' });
    expect(pages).toBe(1000);
  });
});

import { describe, expect, it } from 'vitest';
import { verifyCid } from '../../src/lib/pin/verify.js';

const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

describe('verifyCid at its deadline', () => {
  it('names why the last full attempt failed, not that the deadline cut the next one short', async () => {
    let calls = 0;
    // First answer: not a CAR at all (refused at once). Every later one never ends until
    // the attempt's signal fires, as a gateway that stalls under load.
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls++;
      if (calls === 1)
        return new Response('<html>not a car</html>', { headers: { 'content-type': 'text/html' } });
      return await new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error), { once: true });
      });
    }) as typeof globalThis.fetch;
    const err = await verifyCid(cid, {
      gateway: 'http://gateway.test/ipfs/{cid}/',
      timeoutMs: 3_500,
      fetch,
    }).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
    expect(calls).toBeGreaterThanOrEqual(2);
    expect((err as Error).message).not.toMatch(/abort|timed? ?out/i);
    expect((err as Error).message).toMatch(/\(2 attempts\): .*CAR/);
  });
});

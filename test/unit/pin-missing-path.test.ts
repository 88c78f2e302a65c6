import { describe, expect, it } from 'vitest';
import { pinDirectory } from '../../src/lib/pin/index.js';
import { isIpfsPinError } from '../../src/lib/errors.js';

describe('pinDirectory with a path that does not exist', () => {
  it('fails with IMPORT_NOT_FOUND before any node starts or any service is asked', async () => {
    const events: string[] = [];
    const requests: string[] = [];
    const err = await pinDirectory({
      path: '/nonexistent/ipfs-pin/site',
      services: [{ endpoint: 'http://127.0.0.1:9' }],
      fetch: async (input) => {
        requests.push(String(input));
        return new Response('{}', { status: 500 });
      },
      onProgress: (event) => events.push(event.type),
    }).catch((e: unknown) => e);
    expect(isIpfsPinError(err, 'IMPORT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('/nonexistent/ipfs-pin/site');
    expect(events.filter((type) => type.startsWith('node:'))).toEqual([]);
    expect(requests).toEqual([]);
  });
});

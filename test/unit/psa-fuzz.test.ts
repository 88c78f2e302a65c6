import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPinningClient } from '../../src/lib/psa/client.js';
import type { PinStatus } from '../../src/lib/psa/types.js';
import { IpfsPinError } from '../../src/lib/errors.js';
import { startFaultServer } from '../support/fault-server.js';
import type { Reply } from '../support/fault-server.js';
import { pinStatus } from '../support/psa-fixtures.js';

const TOKEN = 'fuzz-token-3b8f0e2a77d1';

interface Canned {
  status: number;
  contentType: string;
  body: string;
  retryAfter?: string;
}

const FIELDS = [
  'requestid',
  'status',
  'created',
  'pin',
  'delegates',
  'info',
  'pin.cid',
  'pin.name',
  'pin.meta',
  'pin.origins',
  'info.status_details',
] as const;

/** A valid PinStatus with one field replaced by anything, or deleted. */
const mutatedPin = fc
  .tuple(fc.constantFrom(...FIELDS), fc.anything(), fc.boolean())
  .map(([field, value, remove]) => {
    const pin = structuredClone(pinStatus()) as unknown as Record<string, Record<string, unknown>>;
    const [head, tail] = field.split('.') as [string, string | undefined];
    const target: Record<string, unknown> = tail === undefined ? pin : (pin[head] ?? {});
    const key = tail ?? head;
    if (remove) delete target[key];
    else target[key] = value;
    return pin;
  });

/** Bodies near the real thing: valid PinStatus / PinResults JSON, cut, mangled, or noise. */
const jsonish = fc.oneof(
  mutatedPin.map((p) => JSON.stringify(p)),
  fc
    .tuple(fc.array(mutatedPin, { maxLength: 3 }), fc.anything())
    .map(([results, count]) => JSON.stringify({ count, results })),
  fc.constant(JSON.stringify(pinStatus())),
  fc.constant(
    JSON.stringify({ count: 2, results: [pinStatus({ requestid: 'a' }), pinStatus({ requestid: 'b' })] }),
  ),
  fc.constant(JSON.stringify({ error: { reason: 'X', details: `Bearer ${TOKEN}` } })),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({
      requestid: fc.anything(),
      status: fc.anything(),
      created: fc.anything(),
      pin: fc.anything(),
      delegates: fc.anything(),
      info: fc.anything(),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ count: fc.anything(), results: fc.array(fc.anything(), { maxLength: 3 }) })
    .map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constant('<html><head><title>Oops</title></head><body>down</body></html>'),
  fc.constant(''),
);

const truncated = fc
  .tuple(jsonish, fc.nat())
  .map(([body, cut]) => (body.length === 0 ? body : body.slice(0, cut % (body.length + 1))));

const canned: fc.Arbitrary<Canned> = fc.record(
  {
    status: fc.oneof(
      fc.constantFrom(200, 201, 202, 204, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503),
      fc.integer({ min: 200, max: 599 }),
    ),
    contentType: fc.constantFrom(
      'application/json',
      'text/plain',
      'text/html',
      'application/octet-stream',
      '',
    ),
    body: fc.oneof(jsonish, truncated),
    retryAfter: fc.oneof(
      fc.constant('0'),
      fc.string(),
      fc.constant('Thu, 01 Jan 1970 00:00:00 GMT'),
      fc.constant('Fri, 31 Dec 9999 23:59:59 GMT'),
      fc.constant('9000000000000'),
      fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    ),
  },
  { requiredKeys: ['status', 'contentType', 'body'] },
);

type Op = 'add' | 'get' | 'list' | 'replace' | 'remove';
const ops = fc.constantFrom<Op>('add', 'get', 'list', 'replace', 'remove');

async function run(op: Op, client: ReturnType<typeof createPinningClient>): Promise<unknown> {
  switch (op) {
    case 'add':
      return client.add({ cid: 'bafkreifuzz', name: 'n' });
    case 'get':
      return client.get('r');
    case 'replace':
      return client.replace('r', { cid: 'bafkreifuzz2' });
    case 'remove':
      return client.remove('r');
    case 'list': {
      const out: PinStatus[] = [];
      for await (const p of client.list({ status: ['pinned'], limit: 2 })) out.push(p);
      return out;
    }
  }
}

function checkThrown(err: unknown): void {
  expect(err).toBeInstanceOf(IpfsPinError);
  const e = err as IpfsPinError;
  expect(`${e.message} ${JSON.stringify(e)} ${String(e.cause)} ${e.details ?? ''}`).not.toContain(TOKEN);
}

function responseOf(c: Canned): Response {
  const headers = new Headers();
  if (c.contentType !== '') headers.set('content-type', c.contentType);
  if (c.retryAfter !== undefined) headers.set('retry-after', c.retryAfter);
  // Response refuses a body with 204/205/304.
  const noBody = [204, 205, 304].includes(c.status);
  return new Response(noBody ? null : c.body, { status: c.status, headers });
}

describe('PSA client fuzz: whatever a service answers, only IpfsPinError comes out', () => {
  it('with an injected fetch (fast, many runs)', async () => {
    await fc.assert(
      fc.asyncProperty(ops, fc.array(canned, { minLength: 1, maxLength: 6 }), async (op, answers) => {
        let i = 0;
        const fetch: typeof globalThis.fetch = () => {
          const next = answers[i++];
          return Promise.resolve(
            next === undefined
              ? new Response(JSON.stringify({ count: 0, results: [] }), { status: 200 })
              : responseOf(next),
          );
        };
        const client = createPinningClient({
          endpoint: 'https://psa.example/api',
          token: TOKEN,
          fetch,
          retryBaseMs: 1,
          retryMaxMs: 2,
          maxAttempts: 3,
          callTimeoutMs: 5_000,
        });
        try {
          await run(op, client);
        } catch (err) {
          checkThrown(err);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('with any strings as input', async () => {
    const fetch: typeof globalThis.fetch = () =>
      Promise.resolve(new Response(JSON.stringify({ count: 0, results: [] }), { status: 200 }));
    const client = createPinningClient({
      endpoint: 'https://psa.example/api',
      token: TOKEN,
      fetch,
      maxAttempts: 1,
    });
    // UTF-16 code units, so lone surrogates come up too.
    const text = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    });
    await fc.assert(
      fc.asyncProperty(text, text, text, text, async (cid, name, requestid, when) => {
        const calls: Promise<unknown>[] = [
          client.add({ cid, name }),
          client.get(requestid),
          client.replace(requestid, { cid, name }),
          client.remove(requestid),
          (async () => {
            for await (const _ of client.list({ cid: [cid], name, before: when, meta: { [name]: cid } }))
              void _;
          })(),
        ];
        // All at once: one that fails while another still waits is handled, not left unhandled.
        for (const r of await Promise.allSettled(calls)) if (r.status === 'rejected') checkThrown(r.reason);
      }),
      { numRuns: 300 },
    );
  });

  it('over real HTTP, with truncated bodies, resets and odd statuses', async () => {
    let script: Canned[] = [];
    let served = 0;
    await using server = await startFaultServer({
      handler: (): Reply => {
        const c = script[served++];
        if (c === undefined)
          return {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: '{"count":0,"results":[]}',
          };
        if (c.status === 599) return { reset: true };
        return {
          status: c.status,
          headers: {
            'content-type': c.contentType || 'application/json',
            ...(c.retryAfter === undefined ? {} : { 'retry-after': c.retryAfter }),
          },
          body: c.body,
        };
      },
    });
    await fc.assert(
      fc.asyncProperty(ops, fc.array(canned, { minLength: 1, maxLength: 4 }), async (op, answers) => {
        script = answers;
        served = 0;
        const client = createPinningClient({
          endpoint: server.url,
          token: TOKEN,
          retryBaseMs: 1,
          retryMaxMs: 2,
          maxAttempts: 2,
          callTimeoutMs: 5_000,
        });
        try {
          await run(op, client);
        } catch (err) {
          checkThrown(err);
        }
      }),
      { numRuns: 120 },
    );
  });
});

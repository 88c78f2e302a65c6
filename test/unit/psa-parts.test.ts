import { describe, expect, it } from 'vitest';
import { codeForStatus, errorFromResponse, readFailure } from '../../src/lib/psa/failure.js';
import { encodeListQuery, splitByCid } from '../../src/lib/psa/list-query.js';
import { describeBody, redact, snippet } from '../../src/lib/psa/text.js';
import { toPinResults, toPinStatus } from '../../src/lib/psa/validate.js';
import type { BodyOrigin } from '../../src/lib/psa/validate.js';
import { IpfsPinError } from '../../src/lib/errors.js';
import { sameCid } from '../../src/lib/psa/same-cid.js';
import { CID } from 'multiformats/cid';
import { base58btc } from 'multiformats/bases/base58';

const origin = (text = ''): BodyOrigin => ({
  method: 'GET',
  url: 'https://psa.example/pins',
  status: 200,
  text,
  secrets: [],
});
const valid = {
  requestid: 'r',
  status: 'pinned',
  created: '2026-01-01T00:00:00Z',
  pin: { cid: 'bafy' },
  delegates: ['/dns4/x/tcp/4001/p2p/Qm'],
};

describe('codeForStatus', () => {
  it.each([
    [401, undefined, 'PSA_UNAUTHORIZED'],
    [403, undefined, 'PSA_FORBIDDEN'],
    [400, 'KEYS_MUST_BE_STRINGS', 'PSA_UNAUTHORIZED'],
    [400, 'INVALID_CREDENTIALS', 'PSA_UNAUTHORIZED'],
    [400, 'INVALID_ORIGINS', 'PSA_BAD_REQUEST'],
    [400, undefined, 'PSA_BAD_REQUEST'],
    [404, undefined, 'PSA_NOT_FOUND'],
    [409, undefined, 'PSA_INSUFFICIENT_FUNDS'],
    [429, undefined, 'PSA_RATE_LIMITED'],
    [500, undefined, 'PSA_SERVER_ERROR'],
    [599, undefined, 'PSA_SERVER_ERROR'],
    [304, undefined, 'PSA_BAD_RESPONSE'],
    [422, undefined, 'PSA_REQUEST_FAILED'],
  ] as const)('%i %s -> %s', (status, reason, code) => {
    expect(codeForStatus(status, reason)).toBe(code);
  });
});

describe('readFailure and errorFromResponse', () => {
  it('reads the spec Failure and common variants, nothing from other bodies', () => {
    expect(readFailure('{"error":{"reason":"R","details":"D"}}')).toEqual({ reason: 'R', details: 'D' });
    expect(readFailure('{"error":"plain"}')).toEqual({ details: 'plain' });
    expect(readFailure('{"message":"msg"}')).toEqual({ details: 'msg' });
    expect(readFailure('OK')).toBeUndefined();
    expect(readFailure('[1]')).toBeUndefined();
  });

  it('says status, URL, reason, details and what to do, with secrets removed', () => {
    const err = errorFromResponse(
      {
        method: 'POST',
        url: 'https://psa.example/pins',
        status: 409,
        text: '{"error":{"reason":"INSUFFICIENT_FUNDS","details":"key sk-123456789 is empty"}}',
      },
      ['sk-123456789'],
    );
    expect(err).toBeInstanceOf(IpfsPinError);
    expect(err).toMatchObject({
      code: 'PSA_INSUFFICIENT_FUNDS',
      status: 409,
      reason: 'INSUFFICIENT_FUNDS',
      details: 'key [redacted] is empty',
    });
    expect(err.message).toBe(
      'HTTP 409 from https://psa.example/pins: INSUFFICIENT_FUNDS: key [redacted] is empty. The account has no credit left: top it up.',
    );
  });
});

describe('text helpers', () => {
  it('describes an HTML page by its title, a text body by its first line', () => {
    expect(describeBody('<html><head><title> 503 &amp; down </title></head></html>', [])).toBe('503 & down');
    expect(describeBody('<html><body>\n<h1>Bad gateway</h1></body></html>', [])).toBe('Bad gateway');
    expect(describeBody('\n\nfirst line\nsecond', [])).toBe('first line');
  });

  it('stays fast on hostile HTML', () => {
    const t0 = performance.now();
    expect(typeof describeBody('<script'.repeat(2_000_000), [])).toBe('string');
    expect(typeof describeBody(`<html>${'<a'.repeat(2_000_000)}`, [])).toBe('string');
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('keeps snippets short, on one line and free of control characters', () => {
    const s = snippet(`a\u0000b\r\n\tc${'x'.repeat(500)}`, [], 40);
    expect(s.length).toBeLessThanOrEqual(40);
    expect(s.startsWith('a b c')).toBe(true);
    expect([...s].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('redacts secrets and anything that looks like a bearer credential', () => {
    expect(redact('t=abcd1234 x', ['abcd1234'])).toBe('t=[redacted] x');
    expect(redact('Authorization: Bearer eyJhbGciOi.J9.xyz', [])).toBe('Authorization: Bearer [redacted]');
    // Too short to redact safely: it would mangle the text.
    expect(redact('a b c', ['a'])).toBe('a b c');
  });
});

describe('toPinStatus and toPinResults', () => {
  it('keeps what the spec defines and drops the rest', () => {
    const out = toPinStatus(
      {
        ...valid,
        extra: 1,
        pin: { cid: 'bafy', name: 'n', junk: true },
        info: { status_details: 'queue 3', dag_size: 42, nested: {} },
      },
      origin(),
    );
    expect(out).toEqual({
      ...valid,
      pin: { cid: 'bafy', name: 'n' },
      info: { status_details: 'queue 3', dag_size: '42' },
    });
  });

  it('tolerates missing or null delegates and info', () => {
    const { delegates: _d, ...noDelegates } = valid;
    expect(toPinStatus(noDelegates, origin()).delegates).toEqual([]);
    expect(toPinStatus({ ...valid, delegates: null, info: null }, origin())).toMatchObject({ delegates: [] });
  });

  it('keeps a "__proto__" key of a map as data', () => {
    const out = toPinStatus(
      JSON.parse(
        '{"requestid":"r","status":"queued","created":"c","pin":{"cid":"b"},"info":{"__proto__":"x"}}',
      ),
      origin(),
    );
    expect(Object.getPrototypeOf(out.info)).toBe(Object.prototype);
    expect(Object.keys(out.info ?? {})).toEqual(['__proto__']);
  });

  it.each([
    [null, 'PinStatus is not an object'],
    [{ ...valid, requestid: 7 }, 'PinStatus.requestid'],
    [{ ...valid, status: '' }, 'PinStatus.status'],
    [{ ...valid, created: undefined }, 'PinStatus.created'],
    [{ ...valid, pin: 'bafy' }, 'PinStatus.pin is not an object'],
    [{ ...valid, delegates: 'x' }, 'PinStatus.delegates'],
    [{ ...valid, info: [] }, 'PinStatus.info'],
  ])('rejects %j naming the field', (value, field) => {
    expect(() => toPinStatus(value, origin(JSON.stringify(value)))).toThrow(field);
  });

  it('reads count as a number or digits, defaulting to the results length', () => {
    expect(toPinResults({ count: '3', results: [valid] }, origin()).count).toBe(3);
    expect(toPinResults({ results: [valid, { ...valid, requestid: 's' }] }, origin()).count).toBe(2);
    expect(() => toPinResults({ count: -1, results: [] }, origin())).toThrow('count');
    expect(() => toPinResults({ count: 1, results: [{}] }, origin())).toThrow('PinResults.results[0]');
  });
});

describe('list query encoding', () => {
  it('keeps commas literal and encodes each element', () => {
    expect(encodeListQuery({ cid: ['a', 'b c'], status: ['queued', 'failed'] })).toBe(
      'cid=a,b%20c&status=queued,failed',
    );
    expect(encodeListQuery({})).toBe('');
    expect(encodeListQuery({ before: '2026-01-01T00:00:00+00:00' })).toBe(
      'before=2026-01-01T00%3A00%3A00%2B00%3A00',
    );
  });

  it('splits CIDs by 10 and drops duplicates', () => {
    const cids = Array.from({ length: 21 }, (_, i) => `c${i % 20}`);
    expect(splitByCid({ cid: cids, name: 'n' }).map((q) => [q.cid?.length, q.name])).toEqual([
      [10, 'n'],
      [10, 'n'],
    ]);
    expect(splitByCid({ name: 'n' })).toEqual([{ name: 'n' }]);
  });
});

describe('sameCid', () => {
  it('matches a CID across versions and bases, and nothing else', () => {
    const v0 = 'QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR';
    const v1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    expect(sameCid(v0, v1)).toBe(true);
    expect(sameCid(v1, CID.parse(v1).toString(base58btc))).toBe(true);
    expect(sameCid(v1, 'bafkqaaa')).toBe(false);
    expect(sameCid('not-a-cid', 'not-a-cid')).toBe(true);
    expect(sameCid('not-a-cid', 'not-a-cid2')).toBe(false);
  });
});

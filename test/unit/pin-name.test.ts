import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultPinName, MAX_NAME_BYTES, truncateUtf8 } from '../../src/lib/pin/inputs.js';

const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';

describe('defaultPinName', () => {
  it('is the directory name and the start of the CID', () => {
    expect(defaultPinName('/tmp/site/public', cid)).toBe('public-bafybeig');
    expect(defaultPinName('/tmp/site/public/', cid)).toBe('public-bafybeig');
  });

  it('keeps the CID part whole when the directory name is too long', () => {
    const name = defaultPinName(`/tmp/${'é'.repeat(300)}`, cid);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name.endsWith('-bafybeig')).toBe(true);
  });
});

describe('truncateUtf8', () => {
  it('leaves short names alone', () => {
    expect(truncateUtf8('site', 255)).toBe('site');
  });

  it('never splits a character', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
  });

  it('gives a valid UTF-8 prefix within the limit for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.nat(300), (text, max) => {
        const out = truncateUtf8(text, max);
        expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
        if (Buffer.byteLength(text) <= max) expect(out).toBe(text);
        expect(text.startsWith(out)).toBe(true);
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
      }),
    );
  });
});

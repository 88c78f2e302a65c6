import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secretForms } from '../../src/lib/index.js';

/** What masking with the forms leaves of a text. */
const mask = (text: string, secret: string): string => {
  let out = text;
  for (const form of secretForms(secret)) out = out.split(form).join('***');
  return out;
};

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.Zm9vYmFyYmF6-_/+=';

describe('secretForms', () => {
  it('covers the raw, trimmed, Bearer-less, URL-encoded, JSON-escaped and HTML-escaped forms', () => {
    const raw = `Bearer ${TOKEN}\n`;
    for (const text of [
      raw,
      TOKEN,
      `token=${encodeURIComponent(TOKEN)}`,
      JSON.stringify({ t: 'a"b\\' + TOKEN }),
      `<p>${TOKEN.replace(/&/g, '&amp;')}</p>`,
    ]) {
      expect(mask(text, raw)).not.toContain(TOKEN);
      expect(mask(text, raw)).not.toContain(encodeURIComponent(TOKEN));
    }
    expect(mask(JSON.stringify(`x${'"quoted"'}${TOKEN}`), `"quoted"${TOKEN}`)).not.toContain(TOKEN);
  });

  it('covers base64 of the token anywhere inside a longer base64 text, at every alignment', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 7 }),
        fc.string({ minLength: 0, maxLength: 7 }),
        (before, after) => {
          const secret = 'tok_9f8e7d6c5b4a39281706';
          for (const encoding of ['base64', 'base64url'] as const) {
            const b64 = Buffer.from(`${before}${secret}${after}`).toString(encoding);
            const masked = mask(b64, secret);
            expect(masked).toContain('***');
            // What is left cannot be decoded back to the secret.
            expect(Buffer.from(masked.replaceAll('***', ''), encoding).toString()).not.toContain(secret);
          }
        },
      ),
    );
    expect(mask(Buffer.from(`user:${TOKEN}`).toString('base64'), TOKEN)).toContain('***');
  });

  it('leaves out forms too short to mask safely', () => {
    expect(secretForms('abc')).toEqual([]);
    expect(secretForms('abcdefgh').every((f) => f.length >= 8)).toBe(true);
  });
});

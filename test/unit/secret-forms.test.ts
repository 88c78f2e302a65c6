import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets, secretForms } from '../../src/lib/index.js';

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

describe('redactSecrets: echoes spelled with escapes', () => {
  const secret = 'trust-net/token+9d8c7b6a5f';
  const pct = (s: string, upper = true): string =>
    [...Buffer.from(s)]
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .map((x) => (upper ? x.toUpperCase() : x))
      .join('');

  it.each([
    ['as sent', secret],
    ['encodeURIComponent', encodeURIComponent(secret)],
    ['lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['%2D for -', encodeURIComponent(secret).replace(/-/g, '%2D')],
    ['%2d for -', encodeURIComponent(secret).replace(/-/g, '%2d')],
    ['every byte encoded', pct(secret)],
    ['every byte encoded, lower case', pct(secret, false)],
    ['encoded twice', encodeURIComponent(encodeURIComponent(secret))],
    ['JSON \\u escapes', secret.replace(/-/g, '\\u002d')],
    ['HTML numeric entities', secret.replace(/-/g, '&#45;').replace(/\//g, '&#x2F;')],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64, percent-encoded', encodeURIComponent(Buffer.from(`x${secret}`).toString('base64'))],
  ])('%s', (_label, echo) => {
    const text = `before ${echo} after`;
    const out = redactSecrets(text, [secret], '***');
    // Base64 characters that mix bits of the bytes around the secret may stay (see secretForms).
    expect(out).toMatch(/^before .{0,3}\*\*\* after$/);
  });

  it('a space as + in a query string', () => {
    const s = 'my secret token 123';
    expect(redactSecrets(`q=my+secret+token+123&x=1`, [s], '***')).toBe('q=***&x=1');
  });

  it('leaves other text alone, escapes and all', () => {
    const text = 'a%2Db %41 \\u0041 &amp; + plain';
    expect(redactSecrets(text, ['trust-net/token+9d8c7b6a5f'], '***')).toBe(text);
    expect(redactSecrets(text, [undefined], '***')).toBe(text);
  });

  it('leaves no decodable piece of a secret in a fuzzed escape mix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: secret.length, maxLength: secret.length }),
        fc.string(),
        (enc, around) => {
          const echo = [...secret]
            .map((ch, i) => (enc[i] === true ? `%${ch.charCodeAt(0).toString(16)}` : ch))
            .join('');
          const out = redactSecrets(`${around}${echo}${around}`, [secret], '***');
          expect(decodeURIComponentSafe(out)).not.toContain(secret);
        },
      ),
    );
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

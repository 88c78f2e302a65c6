import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normaliseEndpoint } from '../../src/lib/psa/endpoint.js';
import { IpfsPinError } from '../../src/lib/errors.js';

function rejection(input: string): IpfsPinError {
  try {
    normaliseEndpoint(input);
  } catch (err) {
    if (err instanceof IpfsPinError) return err;
    throw err;
  }
  throw new Error(`accepted ${input}`);
}

describe('normaliseEndpoint', () => {
  it.each([
    ['https://api.pinata.cloud/psa', 'https://api.pinata.cloud/psa'],
    ['https://api.pinata.cloud/psa/', 'https://api.pinata.cloud/psa'],
    ['  https://api.pinata.cloud/psa//  ', 'https://api.pinata.cloud/psa'],
    ['https://API.Example.COM', 'https://api.example.com'],
    ['https://x.example/', 'https://x.example'],
    ['http://127.0.0.1:9097', 'http://127.0.0.1:9097'],
    ['http://[::1]:3000/api/v1/', 'http://[::1]:3000/api/v1'],
    ['https://x.example:443/psa', 'https://x.example/psa'],
    ['https://x.example/pinsplus', 'https://x.example/pinsplus'],
  ])('%s -> %s', (input, output) => {
    expect(normaliseEndpoint(input)).toBe(output);
  });

  it('rejects a trailing /pins and says what to use instead', () => {
    for (const input of [
      'https://x.example/psa/pins',
      'https://x.example/psa/pins/',
      'https://x.example/PINS',
    ]) {
      const err = rejection(input);
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain('remove the trailing /pins');
    }
    expect(rejection('https://x.example/psa/pins').message).toContain('use https://x.example/psa.');
  });

  it('rejects a query string or a fragment, even an empty one', () => {
    for (const input of ['https://x.example/psa?x=1', 'https://x.example/psa?']) {
      expect(rejection(input).message).toMatch(/query string.*use https:\/\/x\.example\/psa\./);
    }
    for (const input of ['https://x.example/psa#a', 'https://x.example/psa#']) {
      expect(rejection(input).message).toMatch(/fragment.*use https:\/\/x\.example\/psa\./);
    }
  });

  it('rejects other schemes and non-URLs', () => {
    expect(rejection('ftp://x.example/psa').message).toContain('https://');
    expect(rejection('file:///etc/passwd').code).toBe('INVALID_INPUT');
    expect(rejection('api.pinata.cloud/psa').message).toContain('absolute URL');
    expect(rejection('').message).toContain('empty');
  });

  it('rejects credentials in the URL without repeating them', () => {
    const err = rejection('https://alice:s3cr3t-pw@x.example/psa/');
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('credentials');
    expect(err.message).toContain('use https://x.example/psa.');
    expect(err.message).not.toContain('s3cr3t-pw');
    expect(err.message).not.toContain('alice');
    expect(rejection('https://tok3n@x.example/psa').message).not.toContain('tok3n');
  });

  it('does not repeat a secret passed in a query string', () => {
    expect(rejection('https://x.example/psa?token=q-s3cret').message).not.toContain('q-s3cret');
  });

  it('returns a clean URL or throws INVALID_INPUT for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => `${u}/pins`),
        ),
        (input) => {
          try {
            const out = normaliseEndpoint(input);
            expect(out).toMatch(/^https?:\/\/[^?#@]+$/);
            expect(out.endsWith('/')).toBe(false);
          } catch (err) {
            expect(err).toBeInstanceOf(IpfsPinError);
          }
        },
      ),
    );
  });
});

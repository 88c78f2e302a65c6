import { describe, expect, it } from 'vitest';
import { parseNode, parsePinArgs } from '../../src/cli/pin-args.js';
import { resolveTokens } from '../../src/cli/tokens.js';
import { mask } from '../../src/cli/secrets.js';
import { EXIT, exitCodeForFailures } from '../../src/cli/exit-codes.js';
import { IpfsPinError } from '../../src/lib/errors.js';

describe('parsePinArgs', () => {
  it('maps every option onto pinDirectory options', () => {
    const { options, json } = parsePinArgs(
      [
        'site',
        '--endpoint',
        'https://a.example/psa',
        '--endpoint',
        'http://127.0.0.1:9097',
        '--name',
        'docs',
        '--meta',
        'commit=abc',
        '--meta',
        'ref=main',
        '--profile',
        'kubo-cidv1',
        '--hidden',
        '--ignore',
        '*.map',
        '--timeout',
        '5m',
        '--no-wait',
        '--policy',
        'any',
        '--replace',
        '--min-interval',
        '2s',
        '--node',
        'kubo-api=http://127.0.0.1:5001',
        '--json',
      ],
      { IPFS_PIN_TOKEN_1: 'tok-a' },
    );
    expect(json).toBe(true);
    expect(options).toEqual({
      path: 'site',
      services: [
        { endpoint: 'https://a.example/psa', token: 'tok-a', minIntervalMs: 2000 },
        { endpoint: 'http://127.0.0.1:9097', minIntervalMs: 2000 },
      ],
      name: 'docs',
      meta: { commit: 'abc', ref: 'main' },
      profile: 'kubo-cidv1',
      hidden: true,
      ignore: ['*.map'],
      timeoutMs: 300_000,
      wait: false,
      policy: 'any',
      replace: true,
      nodeOptions: { kind: 'kubo-api', apiUrl: 'http://127.0.0.1:5001' },
    });
  });

  it('leaves defaults to the library', () => {
    const { options } = parsePinArgs(['.', '--endpoint', 'http://x'], {});
    expect(options).toEqual({ path: '.', services: [{ endpoint: 'http://x' }] });
  });

  it('refuses what it cannot use, as usage errors', () => {
    const bad: string[][] = [
      [],
      ['a', 'b', '--endpoint', 'http://x'],
      ['.'],
      ['.', '--endpoint', 'http://x', '--bogus'],
      ['.', '--endpoint', 'http://x', '--profile', 'v9'],
      ['.', '--endpoint', 'http://x', '--policy', 'most'],
      ['.', '--endpoint', 'http://x', '--timeout', 'soon'],
      ['.', '--endpoint', 'http://x', '--meta', 'nokey'],
      ['.', '--endpoint', 'http://x', '--node', 'kubo-api'],
      ['.', '--endpoint', 'http://x', '--token', 'a', '--token', 'b'],
    ];
    for (const argv of bad) {
      let caught: unknown;
      try {
        parsePinArgs(argv, {});
      } catch (err) {
        caught = err;
      }
      expect(caught, argv.join(' ')).toBeInstanceOf(IpfsPinError);
      expect((caught as IpfsPinError).code).toBe('INVALID_INPUT');
    }
  });

  it('collects every token for masking', () => {
    const { secrets } = parsePinArgs(['.', '--endpoint', 'http://x', '--token', 'flag-secret'], {
      IPFS_PIN_TOKEN_7: 'env-secret',
    });
    expect(secrets.sort()).toEqual(['env-secret', 'flag-secret']);
  });
});

describe('parseNode', () => {
  it('reads the three kinds', () => {
    expect(parseNode('embedded')).toEqual({ kind: 'embedded' });
    expect(parseNode('kubo-binary')).toEqual({ kind: 'kubo-binary' });
    expect(parseNode('kubo-binary=/opt/ipfs')).toEqual({ kind: 'kubo-binary', binary: '/opt/ipfs' });
  });
});

describe('resolveTokens', () => {
  it('pairs --token with --endpoint by position, then numbered env, then the shared one for a single endpoint', () => {
    expect(resolveTokens(1, [], { IPFS_PIN_TOKEN: 's' })).toEqual(['s']);
    expect(resolveTokens(1, [], { IPFS_PIN_TOKEN: 's', IPFS_PIN_TOKEN_1: 'one' })).toEqual(['one']);
    expect(resolveTokens(2, ['a'], { IPFS_PIN_TOKEN_2: 'two' })).toEqual(['a', 'two']);
    expect(resolveTokens(2, ['', 'b'], { IPFS_PIN_TOKEN_1: 'one' })).toEqual([undefined, 'b']);
    expect(resolveTokens(2, [], {})).toEqual([undefined, undefined]);
  });

  it('never hands one shared token to several services', () => {
    expect(() => resolveTokens(2, [], { IPFS_PIN_TOKEN: 's' })).toThrow(/IPFS_PIN_TOKEN_1/);
  });
});

describe('mask', () => {
  it('hides tokens and their URL-encoded form', () => {
    expect(mask('Bearer abc/def+1 and abc%2Fdef%2B1', ['abc/def+1'])).toBe('Bearer *** and ***');
    expect(mask('a b c', ['a'])).toBe('a b c');
  });
});

describe('exitCodeForFailures', () => {
  it('puts auth first, timeout only when every failure timed out', () => {
    expect(exitCodeForFailures([{ code: 'PIN_TIMEOUT' }, { code: 'PSA_UNAUTHORIZED' }])).toBe(EXIT.AUTH);
    expect(exitCodeForFailures([{ code: 'PIN_TIMEOUT' }, { code: 'PIN_TIMEOUT' }])).toBe(EXIT.TIMEOUT);
    expect(exitCodeForFailures([{ code: 'PIN_TIMEOUT' }, { code: 'PIN_FAILED' }])).toBe(EXIT.FAILURE);
    expect(exitCodeForFailures([undefined])).toBe(EXIT.FAILURE);
  });
});

import { describe, expect, it } from 'vitest';
import { IpfsPinError } from '../../src/lib/errors.js';
import {
  DEFAULT_GATEWAY,
  collectSecrets,
  parseBoolean,
  parseGateway,
  parseInputs,
  parseMetaInput,
  parseNode,
  parsePolicyInput,
  parseServices,
  parseTimeout,
} from '../../src/action/inputs.js';

const reader =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

function invalidInput(fn: () => unknown): IpfsPinError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IpfsPinError);
    expect((err as IpfsPinError).code).toBe('INVALID_INPUT');
    return err as IpfsPinError;
  }
  throw new Error('expected INVALID_INPUT, nothing was thrown');
}

describe('parseInputs', () => {
  it('fills every default from the path alone', () => {
    const inputs = parseInputs(
      reader({ path: 'dist', endpoint: 'https://api.pinata.cloud/psa', token: 'jwt-secret-1' }),
    );
    expect(inputs).toEqual({
      path: 'dist',
      cleanup: false,
      verify: false,
      verifyTimeoutMs: 5 * 60_000,
      services: [{ endpoint: 'https://api.pinata.cloud/psa', token: 'jwt-secret-1' }],
      profile: 'unixfs-v1-2025',
      hidden: false,
      ignore: [],
      timeoutMs: 'auto',
      wait: true,
      policy: 'all',
      replace: false,
      meta: {},
      node: { kind: 'embedded' },
      gateway: DEFAULT_GATEWAY,
      comment: true,
      commitStatus: true,
    });
  });

  it('takes cleanup without a path, and refuses a path-less run otherwise', () => {
    expect(parseInputs(reader({ cleanup: 'true', endpoint: 'https://x.example' }))).toMatchObject({
      cleanup: true,
      path: '',
    });
    expect(() => parseInputs(reader({ endpoint: 'https://x.example' }))).toThrow(
      /`path` is required.*only `cleanup: true` goes without/,
    );
  });

  it('refuses a gateway with no place for the CID, and a bad verify-timeout', () => {
    expect(() =>
      parseInputs(reader({ path: 'dist', verify: 'true', gateway: 'https://gw.example/site?x=1' })),
    ).toThrow(/Input `gateway`: the gateway .* has no place for the CID/);
    expect(() => parseInputs(reader({ path: 'dist', 'verify-timeout': 'soon' }))).toThrow(
      /Input `verify-timeout`/,
    );
  });

  it('reads every input', () => {
    const inputs = parseInputs(
      reader({
        path: ' site ',
        services:
          'https://a.example/psa|tok-a\n\n# a comment\nhttps://b.example tok-b\nhttp://127.0.0.1:9097\n',
        name: 'my-site',
        profile: 'unixfs-v0-2015',
        hidden: 'true',
        ignore: '*.map\n\nnode_modules/\n',
        timeout: '15m',
        wait: 'false',
        policy: '2',
        replace: 'True',
        meta: 'env=preview\nurl=https://x.example/?a=b',
        node: 'http://127.0.0.1:5001',
        gateway: 'https://ipfs.example',
        'github-token': 'ghs_abc',
        comment: 'false',
        'commit-status': 'FALSE',
        car: ' out/site.car ',
        verify: 'true',
        'verify-timeout': '2m',
      }),
    );
    expect(inputs).toEqual({
      path: 'site',
      cleanup: false,
      car: 'out/site.car',
      verify: true,
      verifyTimeoutMs: 2 * 60_000,
      services: [
        { endpoint: 'https://a.example/psa', token: 'tok-a' },
        { endpoint: 'https://b.example', token: 'tok-b' },
        { endpoint: 'http://127.0.0.1:9097' },
      ],
      name: 'my-site',
      profile: 'unixfs-v0-2015',
      hidden: true,
      ignore: ['*.map', 'node_modules/'],
      timeoutMs: 15 * 60_000,
      wait: false,
      policy: 2,
      replace: true,
      meta: { env: 'preview', url: 'https://x.example/?a=b' },
      node: { kind: 'kubo-api', apiUrl: 'http://127.0.0.1:5001' },
      gateway: 'https://ipfs.example/ipfs/{cid}/',
      githubToken: 'ghs_abc',
      comment: false,
      commitStatus: false,
    });
  });

  it('requires a path', () => {
    expect(invalidInput(() => parseInputs(reader({}))).message).toMatch(/`path` is required/);
  });

  it('rejects a name over 255 bytes', () => {
    expect(invalidInput(() => parseInputs(reader({ path: 'd', name: 'é'.repeat(128) }))).message).toMatch(
      /255 bytes/,
    );
  });

  it('takes no service at all (a fork PR decides later what that means)', () => {
    expect(parseInputs(reader({ path: 'd' })).services).toEqual([]);
  });
});

describe('bad inputs name the input and never echo a token', () => {
  it.each([
    ['hidden', { hidden: 'yes' }, /`hidden` must be true or false, got 'yes'/],
    ['wait', { wait: '1' }, /`wait` must be true or false/],
    ['timeout', { timeout: 'soon' }, /`timeout`/],
    ['timeout zero', { timeout: '0s' }, /more than zero/],
    ['policy', { policy: 'most' }, /`policy`/],
    ['policy zero', { policy: '0' }, /`policy`/],
    ['profile', { profile: 'cidv2' }, /`profile` must be one of unixfs-v1-2025, unixfs-v0-2015, kubo-cidv1/],
    ['meta', { meta: 'novalue' }, /`meta`/],
    ['gateway', { gateway: 'ftp://x/{cid}' }, /`gateway`/],
    ['node', { node: 'ftp://kubo' }, /`node`/],
    ['endpoint', { endpoint: 'api.pinata.cloud/psa' }, /`endpoint` must start with an http/],
    ['token alone', { token: 'secret-token-123' }, /`token` is set but `endpoint` is not/],
  ])('%s', (_label, values, message) => {
    const err = invalidInput(() => parseInputs(reader({ path: 'dist', ...values })));
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('secret-token-123');
  });

  it('a services line without a URL says which line, not what it holds', () => {
    const err = invalidInput(() => parseServices('', '', 'https://a.example|t1\nsecret-token-123'));
    expect(err.message).toContain('line 2');
    expect(err.message).not.toContain('secret-token-123');
  });

  it('a services line with credentials in the URL is refused without echoing them', () => {
    const err = invalidInput(() => parseServices('', '', 'https://user:hunter22@a.example/psa'));
    expect(err.message).toContain('line 1');
    expect(err.message).not.toContain('hunter22');
  });

  it('a services line with more than one token is refused', () => {
    const err = invalidInput(() => parseServices('', '', 'https://a.example|t1|t2'));
    expect(err.message).not.toContain('t1');
  });
});

describe('small parsers', () => {
  it('booleans follow YAML 1.2 core, as core.getBooleanInput', () => {
    expect(parseBoolean('x', '', true)).toBe(true);
    expect(parseBoolean('x', 'TRUE', false)).toBe(true);
    expect(parseBoolean('x', 'False', true)).toBe(false);
  });

  it('timeouts', () => {
    expect(parseTimeout('')).toBe('auto');
    expect(parseTimeout('auto')).toBe('auto');
    expect(parseTimeout('90')).toBe(90_000);
    expect(parseTimeout('1h30m')).toBe(5_400_000);
    expect(parseTimeout('500ms')).toBe(500);
  });

  it('policies', () => {
    expect(parsePolicyInput('')).toBe('all');
    expect(parsePolicyInput('any')).toBe('any');
    expect(parsePolicyInput('3')).toBe(3);
  });

  it('meta keeps = in values and trims', () => {
    expect(parseMetaInput(' a = 1 \nb=x=y\nc=')).toEqual({ a: '1', b: 'x=y', c: '' });
  });

  it('node: embedded, kubo API URL or kubo binary', () => {
    expect(parseNode('')).toEqual({ kind: 'embedded' });
    expect(parseNode('embedded')).toEqual({ kind: 'embedded' });
    expect(parseNode('https://kubo.example:5001')).toEqual({
      kind: 'kubo-api',
      apiUrl: 'https://kubo.example:5001',
    });
    expect(parseNode('/usr/local/bin/ipfs')).toEqual({ kind: 'kubo-binary', binary: '/usr/local/bin/ipfs' });
    expect(parseNode('ipfs')).toEqual({ kind: 'kubo-binary', binary: 'ipfs' });
  });

  it('gateway: a template with {cid} or a base URL', () => {
    expect(parseGateway('')).toBe('https://{cid}.ipfs.dweb.link/');
    expect(parseGateway('https://{cid}.ipfs.w3s.link')).toBe('https://{cid}.ipfs.w3s.link');
    expect(parseGateway('https://ipfs.io/')).toBe('https://ipfs.io/ipfs/{cid}/');
  });

  it('one endpoint + token and services add up, endpoint first', () => {
    expect(parseServices('https://one.example', 'T1', 'https://two.example | T2')).toEqual([
      { endpoint: 'https://one.example', token: 'T1' },
      { endpoint: 'https://two.example', token: 'T2' },
    ]);
  });
});

describe('collectSecrets', () => {
  it('finds every token before anything is validated', () => {
    const secrets = collectSecrets(
      reader({
        token: ' single-token ',
        'github-token': 'ghs_123456',
        services:
          'https://a.example|tok-aaaa\n- https://b.example tok-bbbb\nnot-a-url-but-a-token\nhttps://u:pw-secret@c.example',
        endpoint: 'https://x:ep-secret@d.example',
      }),
    );
    expect(secrets.sort()).toEqual(
      [
        'single-token',
        'ghs_123456',
        'tok-aaaa',
        'tok-bbbb',
        'not-a-url-but-a-token',
        'pw-secret',
        'ep-secret',
      ].sort(),
    );
  });

  it('never masks short pieces such as list markers', () => {
    expect(collectSecrets(reader({ services: '- https://a.example | tok-aaaa' }))).toEqual(['tok-aaaa']);
  });

  it('finds nothing when nothing is set', () => {
    expect(collectSecrets(reader({}))).toEqual([]);
  });
});

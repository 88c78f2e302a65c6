import { describe, expect, it } from 'vitest';
import { IpfsPinError } from '../../src/lib/errors.js';
import { autoUpload, createUploader, parseUploadSpec } from '../../src/lib/upload/index.js';
import { byteProgress } from '../../src/lib/upload/car-body.js';
import { parsePinArgs } from '../../src/cli/pin-args.js';
import { resolveServices } from '../../src/lib/pin/services.js';
import { mask } from '../../src/cli/secrets.js';
import { collectSecrets, parseInputs, parseServices } from '../../src/action/inputs.js';

function invalid(fn: () => unknown): IpfsPinError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IpfsPinError);
    expect((err as IpfsPinError).code).toBe('INVALID_INPUT');
    return err as IpfsPinError;
  }
  throw new Error('expected INVALID_INPUT, nothing was thrown');
}

const reader =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

describe('parseUploadSpec', () => {
  it('reads KIND:URL, bare pinata/filebase, auto and off', () => {
    expect(parseUploadSpec('cluster:http://u:p@h:9094')).toEqual({
      kind: 'cluster',
      url: 'http://u:p@h:9094',
    });
    expect(parseUploadSpec(' kubo:http://127.0.0.1:5001 ')).toEqual({
      kind: 'kubo',
      url: 'http://127.0.0.1:5001',
    });
    expect(parseUploadSpec('pinata')).toEqual({ kind: 'pinata' });
    expect(parseUploadSpec('auto')).toBe('auto');
    expect(parseUploadSpec('off')).toBe('off');
  });

  it('refuses an unknown kind and a cluster without its URL', () => {
    expect(invalid(() => parseUploadSpec('s3:http://x')).message).toMatch(/not one of auto, off/);
    expect(invalid(() => parseUploadSpec('cluster')).message).toMatch(/needs its URL/);
  });
});

describe('the cluster upload URL query', () => {
  it('takes replication-min, replication-max and expire-in by the cluster own rules, and nothing else', () => {
    const base = 'http://cluster.example:9094';
    for (const query of [
      '?replication-min=2&replication-max=3&expire-in=1h30m',
      '?replication-min=-1&replication-max=-1',
      '?expire-in=1.5h',
      '?expire-in=.5h',
      '?expire-in=1s',
    ]) {
      expect(() => createUploader({ kind: 'cluster', url: `${base}${query}` }), query).not.toThrow();
    }
    for (const [query, why] of [
      ['?local=false', /takes only replication-min, replication-max, expire-in/],
      ['?replication-min=1&replication-min=2', /each once/],
      ['?replication-min=two&replication-max=2', /whole numbers of peers/],
      ['?replication-min=1&replication-max=1.5', /whole numbers of peers/],
      ['?replication-min=0&replication-max=0', /whole numbers of peers/],
      ['?replication-min=2', /together/],
      ['?replication-min=2&replication-max=-1', /both be -1/],
      ['?replication-min=3&replication-max=2', /replication-min is above replication-max/],
      ['?expire-in=tomorrow', /duration such as 720h/],
      ['?expire-in=-1h', /duration such as 720h/],
      ['?expire-in=500ms', /1s or more/],
      ['?expire-in=0s', /1s or more/],
      ['#frag', /remove the fragment/],
    ] as const) {
      expect(() => createUploader({ kind: 'cluster', url: `${base}${query}` }), query).toThrow(why);
    }
    // A token pasted into the URL as a query is refused without being repeated.
    let said = '';
    try {
      createUploader({ kind: 'cluster', url: `${base}?eyJhbGciOiJIUzI1NiJ9.pasted-token-0123` });
    } catch (err) {
      said = String((err as Error).message);
    }
    expect(said).toMatch(/takes only/);
    expect(said).not.toContain('pasted-token');
    // The other kinds take no query at all.
    expect(() => createUploader({ kind: 'kubo', url: 'http://127.0.0.1:5001?x=1' })).toThrow(
      /remove the query and fragment/,
    );
  });

  it('makes the upload required: a pin by bitswap would have neither replication nor expiry', () => {
    const [withOptions, without] = resolveServices([
      {
        endpoint: 'https://a.example/psa',
        upload: { kind: 'cluster', url: 'http://c.example:9094?expire-in=720h' },
      },
      {
        endpoint: 'https://b.example/psa',
        upload: { kind: 'cluster', url: 'http://c.example:9094', required: false },
      },
    ]);
    expect(withOptions?.upload?.required).toBe(true);
    expect(without?.upload?.required).toBe(false);
  });
});

describe('CLI --upload', () => {
  it('goes to the endpoint in the same position, with IPFS_PIN_UPLOAD_TOKEN and --upload-required', () => {
    const { options, secrets } = parsePinArgs(
      [
        'site',
        '--endpoint',
        'http://127.0.0.1:9097',
        '--upload',
        'cluster:http://127.0.0.1:9094',
        '--upload-required',
      ],
      { IPFS_PIN_UPLOAD_TOKEN: 'upload-jwt-123456' },
    );
    expect(options.services).toEqual([
      {
        endpoint: 'http://127.0.0.1:9097',
        upload: { kind: 'cluster', url: 'http://127.0.0.1:9094', token: 'upload-jwt-123456', required: true },
      },
    ]);
    expect(secrets).toContain('upload-jwt-123456');
  });

  it('masks the password of an upload URL', () => {
    const { secrets } = parsePinArgs(
      ['site', '--endpoint', 'http://127.0.0.1:9097', '--upload', 'cluster:http://admin:s3cret-pass@h:9094'],
      {},
    );
    expect(mask('POST http://admin:s3cret-pass@h:9094/add', secrets)).not.toContain('s3cret-pass');
  });

  it('a kubo upload beyond the endpoints is a service of its own; any other kind is refused', () => {
    const { options } = parsePinArgs(['site', '--upload', 'kubo:http://127.0.0.1:5001'], {});
    expect(options.services).toEqual([{ upload: { kind: 'kubo', url: 'http://127.0.0.1:5001' } }]);
    expect(invalid(() => parsePinArgs(['site', '--upload', 'cluster:http://h:9094'], {})).message).toMatch(
      /only a kubo:URL upload may stand alone/,
    );
  });

  it('refuses one IPFS_PIN_UPLOAD_TOKEN for several uploads', () => {
    const err = invalid(() =>
      parsePinArgs(
        [
          'site',
          '--endpoint',
          'http://a:1',
          '--endpoint',
          'http://b:2',
          '--upload',
          'kubo:http://a:5001',
          '--upload',
          'kubo:http://b:5001',
        ],
        { IPFS_PIN_UPLOAD_TOKEN: 'upload-jwt-123456' },
      ),
    );
    expect(err.message).not.toContain('upload-jwt-123456');
  });
});

describe('action upload inputs', () => {
  it('upload, upload-token and upload-required go to the endpoint service', () => {
    const inputs = parseInputs(
      reader({
        path: 'dist',
        endpoint: 'https://cluster.example:9097',
        token: 'psa-jwt-123456',
        upload: 'cluster:https://cluster.example:9094',
        'upload-token': 'rest-jwt-123456',
        'upload-required': 'true',
      }),
    );
    expect(inputs.services).toEqual([
      {
        endpoint: 'https://cluster.example:9097',
        token: 'psa-jwt-123456',
        upload: {
          kind: 'cluster',
          url: 'https://cluster.example:9094',
          token: 'rest-jwt-123456',
          required: true,
        },
      },
    ]);
  });

  it('a kubo upload without endpoint is a bare Kubo RPC service', () => {
    expect(
      parseServices('', '', '', { upload: 'kubo:http://127.0.0.1:5001', token: '', required: false }),
    ).toEqual([{ upload: { kind: 'kubo', url: 'http://127.0.0.1:5001' } }]);
  });

  it('services lines carry |<upload>|<upload-token>; -||kubo:URL is a bare kubo', () => {
    expect(
      parseServices(
        '',
        '',
        'https://a.example/psa|t1|cluster:https://a.example:9094|ut1\n-||kubo:http://127.0.0.1:5001',
      ),
    ).toEqual([
      {
        endpoint: 'https://a.example/psa',
        token: 't1',
        upload: { kind: 'cluster', url: 'https://a.example:9094', token: 'ut1' },
      },
      { upload: { kind: 'kubo', url: 'http://127.0.0.1:5001' } },
    ]);
  });

  it('a malformed upload field is refused without echoing it', () => {
    const err = invalid(() => parseServices('', '', 'https://a.example/psa|t1|secret-looking-123'));
    expect(err.message).toContain('line 1');
    expect(err.message).not.toContain('secret-looking-123');
  });

  it('collects the upload token and the passwords of upload URLs as secrets', () => {
    const secrets = collectSecrets(
      reader({
        upload: 'cluster:https://admin:rest-pass-1@c.example:9094',
        'upload-token': 'upload-tok-1234',
        services: 'https://a.example/psa|t1234|kubo:http://u:kubo-pass-2@k.example:5001',
      }),
    );
    expect(secrets).toEqual(expect.arrayContaining(['rest-pass-1', 'upload-tok-1234', 'kubo-pass-2']));
  });
});

describe('autoUpload', () => {
  it('Pinata endpoints upload with the PSA JWT; others go by bitswap', () => {
    expect(autoUpload('https://api.pinata.cloud/psa', 'jwt-1234')).toEqual({
      kind: 'pinata',
      token: 'jwt-1234',
    });
    expect(autoUpload('https://api.pinata.cloud/psa', undefined)).toBeUndefined();
    expect(autoUpload('http://api.pinata.cloud/psa', 'jwt-1234')).toBeUndefined();
    expect(autoUpload('https://pinning.example/psa', 'jwt-1234')).toBeUndefined();
  });
});

describe('upload byte progress', () => {
  it('reports at most every 500 ms, and at once when the last byte went out', () => {
    const seen: number[] = [];
    const progress = byteProgress('cluster', 100, {
      service: 's',
      onProgress: (e) => {
        if (e.type === 'upload:bytes:sent') seen.push(e.detail.bytes);
      },
    });
    progress.sent(10);
    progress.sent(50);
    expect(seen).toEqual([10]);
    progress.sent(100);
    // Not 500 ms later, nor only when the service answered (done()).
    expect(seen).toEqual([10, 100]);
    progress.done();
    expect(seen).toEqual([10, 100]);
  });
});

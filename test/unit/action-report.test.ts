import { describe, expect, it } from 'vitest';
import { IpfsPinError } from '../../src/lib/errors.js';
import type { ServiceResult } from '../../src/lib/pin/types.js';
import { describeFailure, failureText, policyFailure, serviceFailed } from '../../src/action/failure.js';
import {
  commentMarker,
  overallStatus,
  pinsOutput,
  renderComment,
  renderSummary,
  serviceRow,
} from '../../src/action/report.js';
import type { Report } from '../../src/action/report.js';

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-token';

const result: ServiceResult = {
  service: 'api.pinata.cloud',
  endpoint: 'https://api.pinata.cloud/psa',
  requestid: 'req-1',
  status: 'pinned',
  reused: false,
  delegates: ['/dns4/x/tcp/4001/p2p/12D3KooW'],
  dialled: [],
  ms: 12_345,
};

const report: Report = {
  outcome: 'pinned',
  path: 'dist',
  name: 'acme/site#pr-7',
  profile: 'unixfs-v1-2025',
  cid: CID,
  url: `https://${CID}.ipfs.dweb.link/`,
  tree: { files: 12, directories: 3, bytes: 3 * 1024 * 1024 },
  skipped: [
    { path: '.env', reason: 'hidden', detail: 'dot-file (pass hidden: true to include)' },
    { path: 'a.map', reason: 'ignored' },
  ],
  services: [
    serviceRow(result),
    { service: 'cluster|<b>', endpoint: 'http://127.0.0.1:9097', status: 'failed', details: 'no\npeers' },
  ],
  sha: 'feedfacefeedfacefeedfacefeedfacefeedface',
};

describe('renderSummary', () => {
  const md = renderSummary(report);

  it('gives the CID, the gateway link, the profile and the content', () => {
    expect(md).toContain('## ipfs-pin: Pinned');
    expect(md).toContain(`<code>${CID}</code>`);
    expect(md).toContain(`<a href="https://${CID}.ipfs.dweb.link/">`);
    expect(md).toContain(`ipfs://${CID}`);
    expect(md).toContain('<code>unixfs-v1-2025</code>');
    expect(md).toContain('12 files in 3 directories, 3.0 MiB');
  });

  it('has one table row per service with status, requestid and time', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toBe('| Service | Status | Request ID | Time |');
    expect(rows[2]).toBe('| api.pinata.cloud | pinned | <code>req-1</code> | 12.3 s |');
  });

  it('escapes what services send: no tag, no extra cell, no broken row', () => {
    const row = md.split('\n').find((l) => l.startsWith('| cluster'));
    expect(row).toBe('| cluster&#124;&lt;b&gt; | failed no peers |  |  |');
  });

  it('lists skipped entries and says how to include dot-files', () => {
    expect(md).toContain('Skipped 2 entries (1 dot-files: set <code>hidden: true</code> to include them)');
    expect(md).toContain('<li><code>.env</code>: dot-file (pass hidden: true to include)</li>');
  });

  it('shows the error with what to do', () => {
    const info = describeFailure(
      new IpfsPinError('PIN_TIMEOUT', 'not pinned in 5 min', { data: { requestid: 'req-1' } }),
    );
    const failed = renderSummary({ ...report, outcome: 'failed', error: info });
    expect(failed).toContain('## ipfs-pin: Failed');
    expect(failed).toContain('> **PIN_TIMEOUT:** not pinned in 5 min (requestid req-1)');
    expect(failed).toContain('> The pin was not pinned before the deadline.');
  });

  it('renders a skipped run without services', () => {
    const skipped = renderSummary({ ...report, outcome: 'skipped', services: [], note: 'Fork: not pinned.' });
    expect(skipped).toContain('## ipfs-pin: Not pinned');
    expect(skipped).toContain('Fork: not pinned.');
    expect(skipped).not.toContain('| Service |');
  });

  it('has no token in it, whatever the services carried', () => {
    const withToken = { ...result, endpoint: 'https://api.pinata.cloud/psa', token: TOKEN } as ServiceResult;
    expect(renderSummary({ ...report, services: [serviceRow(withToken)] })).not.toContain(TOKEN);
    expect(pinsOutput({ ...report, services: [serviceRow(withToken)] })).not.toContain(TOKEN);
  });
});

describe('renderComment', () => {
  const body = renderComment(report, { runUrl: 'https://github.com/acme/site/actions/runs/42' });

  it('starts with the hidden marker', () => {
    expect(body.startsWith('<!-- ipfs-pin:comment path=dist -->\n')).toBe(true);
  });

  it('links the preview, the commit and the run', () => {
    expect(body).toContain(`— <a href="https://${CID}.ipfs.dweb.link/">preview</a>`);
    expect(body).toContain('Commit <code>feedfac</code>');
    expect(body).toContain('<a href="https://github.com/acme/site/actions/runs/42">Workflow run</a>');
  });

  it('offers no preview link when the run failed', () => {
    expect(renderComment({ ...report, outcome: 'failed' })).not.toContain('>preview</a>');
  });
});

describe('commentMarker', () => {
  it('is one per path and cannot close the HTML comment early', () => {
    expect(commentMarker('dist')).not.toBe(commentMarker('site'));
    expect(commentMarker('a-->b')).toBe('<!-- ipfs-pin:comment path=a-_b -->');
    expect(commentMarker('x--y')).not.toMatch(/x--y/);
  });
});

describe('outputs', () => {
  it('status: pinned, skipped, failed, or the first service status when not waiting', () => {
    expect(overallStatus(report)).toBe('pinned');
    expect(overallStatus({ ...report, outcome: 'skipped' })).toBe('skipped');
    expect(overallStatus({ ...report, outcome: 'failed' })).toBe('failed');
    expect(
      overallStatus({
        ...report,
        outcome: 'submitted',
        services: [{ ...report.services[0]!, status: 'queued' }],
      }),
    ).toBe('queued');
  });

  it('pins is JSON of every service, in order', () => {
    const pins = JSON.parse(pinsOutput(report)) as { service: string; requestid?: string; status: string }[];
    expect(pins.map((p) => [p.service, p.status, p.requestid])).toEqual([
      ['api.pinata.cloud', 'pinned', 'req-1'],
      ['cluster|<b>', 'failed', undefined],
    ]);
  });
});

describe('describeFailure', () => {
  it('gives code, HTTP status, reason, details and the hint of an IpfsPinError', () => {
    const info = describeFailure(
      new IpfsPinError('PSA_UNAUTHORIZED', 'the service rejected the token', {
        status: 401,
        reason: 'UNAUTHORIZED',
        details: 'bad jwt',
      }),
    );
    expect(failureText(info)).toBe(
      'PSA_UNAUTHORIZED: the service rejected the token (HTTP 401: UNAUTHORIZED: bad jwt)\nThe service rejected the token: check the token and that it belongs to this endpoint.',
    );
  });

  it('handles a plain Error', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toMatchObject({
      code: 'UNEXPECTED',
      message: 'TypeError: x is undefined',
    });
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['an object', { a: 1 }, '{"a":1}'],
    ['undefined', undefined, 'undefined'],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o['self'] = o;
        return o;
      })(),
      '[object Object]',
    ],
  ])('handles %s thrown', (_label, value, shown) => {
    const info = describeFailure(value);
    expect(info.code).toBe('UNEXPECTED');
    expect(info.message).toContain(shown);
  });
});

describe('policyFailure', () => {
  const svc = (service: string, status: string, error?: IpfsPinError): ServiceResult => ({
    ...result,
    service,
    status,
    ...(error === undefined ? {} : { error }),
  });

  it('gives the one failed service its own code and hint', () => {
    const info = policyFailure(
      [svc('a', 'pinned'), svc('b', 'queued', new IpfsPinError('PIN_TIMEOUT', 'b: not pinned in 5 min'))],
      'all',
      true,
    );
    expect(info).toMatchObject({ code: 'PIN_TIMEOUT', message: 'b: not pinned in 5 min' });
  });

  it('names every failed service under PIN_POLICY_NOT_MET', () => {
    const info = policyFailure(
      [
        svc('a', 'failed'),
        svc('b', 'queued', new IpfsPinError('PSA_UNAUTHORIZED', 'bad token')),
        svc('c', 'pinned'),
      ],
      3,
      true,
    );
    expect(info.code).toBe('PIN_POLICY_NOT_MET');
    expect(info.message).toBe(
      '2 of 3 services did not pin (policy: 3): a: failed; b: PSA_UNAUTHORIZED bad token',
    );
  });

  it('without waiting, a submitted pin counts as done', () => {
    expect(serviceFailed(svc('a', 'queued'), false)).toBe(false);
    expect(serviceFailed({ ...svc('a', 'queued'), requestid: undefined }, false)).toBe(true);
    expect(serviceFailed(svc('a', 'queued'), true)).toBe(true);
  });
});

/**
 * Runs the committed bundle (dist/index.js) as the runner does: INPUT_* variables, the
 * GITHUB_* files and an event payload, against real pinning services on loopback and a local
 * stand-in for the GitHub API. check-dist keeps dist/ in step with src/.
 */
import { createServer } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/lib/index.js';
import { startGithubApi } from '../support/github-api.js';
import { HEAD_SHA, MERGE_SHA, pullRequestEvent, runAction as runActionIn } from '../support/run-action.js';
import type { ActionRun, RunSpec } from '../support/run-action.js';
import type { GithubApi } from '../support/github-api.js';
import { startMockPsa } from '../support/mock-psa.js';
import type { MockPsa } from '../support/mock-psa.js';
import { peerBinary } from '../support/peers.js';
import { startPsaServer } from '../support/psa-server.js';
import type { PsaServer } from '../support/psa-server.js';

let work: string;
const runAction = (spec: RunSpec): Promise<ActionRun> => runActionIn(work, spec);

/**
 * Every `::add-mask::` line comes before any other line, every secret is masked in all its
 * forms (secretForms) and nothing else, and nothing else shows the secrets.
 */
function expectMasked(run: ActionRun, secrets: string[]): void {
  const masks = run.lines.filter((l) => l.startsWith('::add-mask::'));
  const forms = new Set(secrets.flatMap((s) => [s, ...secretForms(s)]));
  expect(new Set(masks.map((l) => l.slice('::add-mask::'.length)))).toEqual(forms);
  expect(run.lines.slice(0, masks.length)).toEqual(masks);
  const rest = [...run.lines.slice(masks.length), run.stderr, run.summary, JSON.stringify(run.outputs)].join(
    '\n',
  );
  for (const s of secrets) expect(rest).not.toContain(s);
}

const prEvent = (headRepo: string) => pullRequestEvent({ headRepo });

let psa: PsaServer;
let site: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-action-e2e-'));
  site = join(work, 'site');
  await mkdir(join(site, 'assets'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<!doctype html><title>acme</title><h1>hello</h1>\n');
  await writeFile(join(site, 'assets', 'app.js'), `console.log(${JSON.stringify('x'.repeat(300_000))});\n`);
  await writeFile(join(site, '.env'), 'SECRET=1\n');
  psa = await startPsaServer();
});

afterAll(async () => {
  await psa?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('the bundle on a push', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction({ inputs: { path: 'site', endpoint: psa.endpoint, token: psa.token } });
  }, 120_000);

  it('exits 0 and the service holds the whole DAG, pinned', async () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const dag = await psa.hasDag(run.outputs['cid'] ?? '');
    expect(dag).toMatchObject({ complete: true, pinned: true });
  });

  it('sets every output', () => {
    const { cid = '', ...rest } = run.outputs;
    expect(cid).toMatch(/^bafy/);
    expect(rest).toMatchObject({
      status: 'pinned',
      profile: 'unixfs-v1-2025',
      url: `https://${cid}.ipfs.dweb.link/`,
    });
    expect(rest['request-id']).not.toBe('');
    const pins = JSON.parse(rest['pins'] ?? '') as { status: string; requestid: string; endpoint: string }[];
    expect(pins).toHaveLength(1);
    expect(pins[0]).toMatchObject({
      status: 'pinned',
      requestid: rest['request-id'],
      endpoint: psa.endpoint,
    });
  });

  it('masks the token before any other line and shows it nowhere', () => {
    expectMasked(run, [psa.token]);
  });

  it('logs the phases in groups and warns about the skipped dot-file', () => {
    const groups = run.lines.filter((l) => l.startsWith('::group::'));
    expect(groups).toEqual([
      '::group::Import site',
      '::group::Pin on 1 service',
      '::group::Wait until pinned',
    ]);
    expect(run.lines.filter((l) => l === '::endgroup::')).toHaveLength(3);
    expect(run.stdout).toMatch(/::warning::Skipped 1 dot-file: \.env\. Set `hidden: true`/);
    // timeout: auto, scaled to the tree: 3 files, under 1 MiB.
    expect(run.stdout).toMatch(
      /\nWaiting up to 5 min for 3 files \(29\d KiB\); set `timeout` to change it\n/,
    );
  });

  it('sends the default name and the run metadata with the pin', async () => {
    const cid = run.outputs['cid'] ?? '';
    const res = await fetch(`${psa.endpoint}/pins?cid=${cid}&status=queued,pinning,pinned,failed`, {
      headers: { authorization: `Bearer ${psa.token}` },
    });
    const body = (await res.json()) as {
      results: { pin: { name?: string; meta?: Record<string, string> } }[];
    };
    const pin = body.results.find((r) => r.pin.name === 'acme/site@0123456')?.pin;
    expect(pin?.meta).toEqual({
      repository: 'acme/site',
      sha: MERGE_SHA,
      ref: 'refs/heads/main',
      run_url: 'https://github.com/acme/site/actions/runs/4242',
    });
  });

  it('writes the job summary', () => {
    expect(run.summary).toContain('## ipfs-pin: Pinned');
    expect(run.summary).toContain(`<code>${run.outputs['cid'] ?? ''}</code>`);
    expect(run.summary).toContain('<code>acme/site@0123456</code>');
    // How the service got the data: from our node, by bitswap (no upload here).
    expect(run.summary).toMatch(/\| pinned \(by bitswap\) \| <code>[^<]+<\/code> \| [\d.]+ m?s \|/);
    expect(run.summary).toContain('<code>.env</code>');
  });
});

describe('failures', () => {
  it('a bad token fails with PSA_UNAUTHORIZED and what to do, the token masked', async () => {
    const bad = 'not-the-right-token-0123';
    const run = await runAction({
      inputs: { path: 'site', endpoint: psa.endpoint, token: bad, timeout: '30s' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::PSA_UNAUTHORIZED: .*%0AThe service rejected the token/);
    expect(run.outputs['status']).toBe('failed');
    expect(run.outputs['cid']).toMatch(/^bafy/);
    expect(run.summary).toContain('PSA_UNAUTHORIZED');
    expectMasked(run, [bad]);
  }, 60_000);

  describe('against a service that keeps the pin queued', () => {
    let mock: MockPsa;
    beforeAll(async () => {
      mock = await startMockPsa({ token: 'mock-token-5678' });
    });
    afterAll(async () => mock?.close());

    it('times out with PIN_TIMEOUT, the requestid and exit code 1', async () => {
      const started = Date.now();
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: mock.url,
          token: 'mock-token-5678',
          name: 'queued-preview',
          timeout: '3s',
        },
      });
      expect(run.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(run.stdout).toMatch(/::error::PIN_TIMEOUT: /);
      expect(run.outputs['status']).toBe('failed');
      expect(run.outputs['request-id']).not.toBe('');
      expect(run.summary).toContain('PIN_TIMEOUT');
      expect(run.summary).toContain(run.outputs['request-id'] ?? 'missing');
      expectMasked(run, ['mock-token-5678']);
    }, 60_000);
  });

  it('with wait: false, submits and succeeds at once with the service status', async () => {
    const mock = await startMockPsa({ token: 'mock-token-nowait' });
    try {
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: mock.url,
          token: 'mock-token-nowait',
          name: 'queued-nowait',
          wait: 'false',
        },
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs['status']).toBe('queued');
      expect(run.outputs['request-id']).not.toBe('');
      expect(run.summary).toContain('## ipfs-pin: Submitted');
    } finally {
      await mock.close();
    }
  }, 60_000);

  it('a bad input fails with INVALID_INPUT before doing anything', async () => {
    const run = await runAction({
      inputs: { path: 'site', endpoint: psa.endpoint, token: psa.token, hidden: 'maybe' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "::error::INVALID_INPUT: Input `hidden` must be true or false, got 'maybe'.",
    );
    expectMasked(run, [psa.token]);
  }, 30_000);
});

describe('with node: a kubo binary', () => {
  it('spawns kubo, serves the data from it and gets the CID the embedded importer computes', async () => {
    const ipfs = peerBinary('ipfs');
    const dir = join(work, 'site-kubo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.html'), `<h1>kubo ${String(Date.now())}</h1>\n`);
    await writeFile(join(dir, 'data.bin'), Buffer.alloc(2_500_000, 7));
    // The fork path computes the CID without any node or service.
    const computed = await runAction({
      inputs: { path: 'site-kubo', endpoint: psa.endpoint },
      event: prEvent('someone/site'),
    });
    const run = await runAction({
      inputs: { path: 'site-kubo', endpoint: psa.endpoint, token: psa.token, node: ipfs },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Started the kubo-binary IPFS node /);
    expect(run.outputs['status']).toBe('pinned');
    expect(run.outputs['cid']).toBe(computed.outputs['cid']);
    expect(await psa.hasDag(run.outputs['cid'] ?? '')).toMatchObject({ complete: true, pinned: true });
  }, 120_000);
});

describe('several services', () => {
  it('with policy any, one pinned is enough: the other is a warning, both are in pins', async () => {
    const wrong = 'wrong-token-for-second-9';
    const run = await runAction({
      inputs: {
        path: 'site',
        services: `${psa.endpoint}|${psa.token}\n${psa.endpoint} ${wrong}\n`,
        policy: 'any',
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['status']).toBe('pinned');
    const pins = JSON.parse(run.outputs['pins'] ?? '[]') as { status: string; error?: { code: string } }[];
    expect(pins).toHaveLength(2);
    // The second one fails on its token, or is stopped unsubmitted once the first is pinned.
    expect(pins[0]?.status).toBe('pinned');
    expect(pins[1]?.status).not.toBe('pinned');
    expect(run.stdout).toMatch(/::warning::127\.0\.0\.1:\d+#2: .*\(the policy any was met without it\)/);
    expectMasked(run, [psa.token, wrong]);
  }, 60_000);
});

describe('on a pull request', () => {
  let api: GithubApi;
  beforeAll(async () => {
    api = await startGithubApi();
    api.addComment('acme/site', 7, 'Looks good to me', 'reviewer');
  });
  afterAll(async () => api?.stop());

  it('creates one comment, then updates it in place, and sets the commit status', async () => {
    const inputs = {
      path: 'site',
      endpoint: psa.endpoint,
      token: psa.token,
      'github-token': 'ghs_test_token_42',
    };
    const first = await runAction({ inputs, event: prEvent('acme/site'), githubApi: api.url });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const ours = api.comments.filter((c) => c.body.includes('<!-- ipfs-pin:comment path=site -->'));
    expect(ours).toHaveLength(1);
    const id = ours[0]?.id;
    expect(ours[0]?.body).toContain(first.outputs['cid'] ?? 'missing');
    expect(ours[0]?.body).toContain('Commit <code>feedfac</code>');

    const second = await runAction({ inputs, event: prEvent('acme/site'), githubApi: api.url });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(api.comments.filter((c) => c.body.includes('ipfs-pin:comment'))).toHaveLength(1);
    expect(api.comments.map((c) => c.id)).toContain(id);
    expect(api.comments.find((c) => c.user.login === 'reviewer')?.body).toBe('Looks good to me');

    const calls = api.requests.map((r) => `${r.method} ${r.path}`);
    // GET /user first: the comment is found by marker and author (the default token may
    // not ask, so the author is github-actions[bot]).
    expect(calls).toEqual([
      'GET /user',
      'GET /repos/acme/site/issues/7/comments',
      'POST /repos/acme/site/issues/7/comments',
      `POST /repos/acme/site/statuses/${HEAD_SHA}`,
      'GET /user',
      'GET /repos/acme/site/issues/7/comments',
      `PATCH /repos/acme/site/issues/comments/${String(id)}`,
      `POST /repos/acme/site/statuses/${HEAD_SHA}`,
    ]);
    expect(api.requests.every((r) => r.authorization === 'token ghs_test_token_42')).toBe(true);
    expect(api.statuses).toHaveLength(2);
    expect(api.statuses[1]).toMatchObject({
      sha: HEAD_SHA,
      state: 'success',
      context: 'ipfs-pin',
      target_url: second.outputs['url'],
    });
    for (const run of [first, second]) {
      expect(run.outputs['status']).toBe('pinned');
      expectMasked(run, [psa.token, 'ghs_test_token_42']);
    }
    // One name per PR: the default name.
    expect(second.summary).toContain('<code>acme/site#pr-7</code>');
  }, 120_000);

  it('warns, without failing, when the token may not comment', async () => {
    api.failNext('GET', /\/comments$/, 403);
    api.failNext('POST', /\/statuses\//, 403);
    const run = await runAction({
      inputs: {
        path: 'site',
        endpoint: psa.endpoint,
        token: psa.token,
        'github-token': 'ghs_read_only_token',
      },
      event: prEvent('acme/site'),
      githubApi: api.url,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      '::warning::Could not write the PR comment (HTTP 403): give the job `permissions: pull-requests: write`',
    );
    expect(run.stdout).toContain('::warning::Could not write the commit status (HTTP 403)');
  }, 120_000);
});

describe('on a busy pull request', () => {
  it('finds its comment past the first page of 100 and updates it', async () => {
    const api = await startGithubApi();
    const mock = await startMockPsa({ token: 'mock-token-busy' });
    try {
      for (let i = 0; i < 120; i++) api.addComment('acme/site', 7, `comment ${i}`, 'reviewer');
      const inputs = {
        path: 'site',
        endpoint: mock.url,
        token: 'mock-token-busy',
        name: 'pinned-busy-pr',
        'github-token': 'ghs_busy',
      };
      for (let i = 0; i < 2; i++) {
        const run = await runAction({ inputs, event: prEvent('acme/site'), githubApi: api.url });
        expect(run.code, run.stdout + run.stderr).toBe(0);
      }
      expect(api.comments).toHaveLength(121);
      const pages = api.requests
        .filter((r) => r.method === 'GET' && r.path.endsWith('/comments'))
        .map((r) => r.query['page'] ?? '1');
      expect(pages).toEqual(['1', '2', '1', '2']);
      expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    } finally {
      await mock.close();
      await api.stop();
    }
  }, 60_000);
});

describe('on a pull request, when the pin fails', () => {
  it('the comment says Failed with the code and the commit status is failure', async () => {
    const api = await startGithubApi();
    const mock = await startMockPsa({ token: 'mock-token-pr-42' });
    try {
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: mock.url,
          token: 'mock-token-pr-42',
          name: 'queued-pr-7',
          timeout: '2s',
          'github-token': 'ghs_pr_fail_token',
        },
        event: prEvent('acme/site'),
        githubApi: api.url,
      });
      expect(run.code).toBe(1);
      expect(api.comments).toHaveLength(1);
      expect(api.comments[0]?.body).toContain('### ipfs-pin: Failed');
      expect(api.comments[0]?.body).toContain('**PIN_TIMEOUT:**');
      expect(api.statuses).toEqual([
        expect.objectContaining({
          sha: HEAD_SHA,
          state: 'failure',
          context: 'ipfs-pin',
          target_url: run.outputs['url'],
        }),
      ]);
      expect(api.statuses[0]?.description?.startsWith('PIN_TIMEOUT: ')).toBe(true);
    } finally {
      await mock.close();
      await api.stop();
    }
  }, 60_000);
});

describe('on a pull request from a fork, without secrets', () => {
  it('computes the CID, says why it did not pin, and calls no service', async () => {
    const hits: string[] = [];
    const service = createServer((req, res) => {
      hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const api = await startGithubApi();
    try {
      const endpoint = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
      const run = await runAction({
        // In a fork the secrets are empty strings; github.token is read-only.
        inputs: { path: 'site', endpoint, token: '', 'github-token': 'ghs_fork_read_only' },
        event: prEvent('someone/site'),
        githubApi: api.url,
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/::notice::Pull request from a fork without a pinning token.*CID: bafy/);
      expect(run.outputs['status']).toBe('skipped');
      expect(run.outputs['cid']).toMatch(/^bafy/);
      expect(run.outputs['request-id']).toBe('');
      expect(run.summary).toContain('## ipfs-pin: Not pinned');
      expect(run.summary).toContain(run.outputs['cid'] ?? 'missing');
      expect(hits).toEqual([]);
      expect(api.requests).toEqual([]);
    } finally {
      service.closeAllConnections();
      await new Promise<void>((resolve) => service.close(() => resolve()));
      await api.stop();
    }
  }, 60_000);

  it('warns when the directory is empty', async () => {
    await mkdir(join(work, 'empty'), { recursive: true });
    const run = await runAction({
      inputs: { path: 'empty', endpoint: psa.endpoint },
      event: prEvent('someone/site'),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('::warning::empty holds no files: the CID is an empty directory.');
    // The empty UnixFS directory, CIDv1 (as `ipfs add -r --cid-version=1` of an empty folder gives).
    expect(run.outputs['cid']).toBe('bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354');
  }, 60_000);

  it('computes the same CID as the pinned run', async () => {
    const pinned = await runAction({ inputs: { path: 'site', endpoint: psa.endpoint, token: psa.token } });
    const skipped = await runAction({
      inputs: { path: 'site', endpoint: psa.endpoint, token: '' },
      event: prEvent('someone/site'),
    });
    expect(skipped.outputs['cid']).toBe(pinned.outputs['cid']);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { readContext, runUrl } from '../../src/action/context.js';
import type { RunContext } from '../../src/action/context.js';
import {
  TIMEOUT_BASE_MS,
  TIMEOUT_CAP_MS,
  defaultMeta,
  defaultName,
  gatewayUrl,
  scaleTimeoutMs,
} from '../../src/action/defaults.js';

const env = {
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REPOSITORY: 'acme/site',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '42',
  RUNNER_TEMP: '/runner/_temp',
};

const prPayload = (headRepo: string) => ({
  pull_request: {
    number: 7,
    head: { sha: 'feedfacefeedfacefeedfacefeedfacefeedface', repo: { full_name: headRepo } },
    base: { repo: { full_name: 'acme/site' } },
  },
});

describe('readContext', () => {
  it('reads a push', () => {
    const ctx = readContext(env, {});
    expect(ctx).toEqual({
      eventName: 'push',
      repository: 'acme/site',
      sha: env.GITHUB_SHA,
      ref: 'refs/heads/main',
      serverUrl: 'https://github.com',
      runId: '42',
      tempDir: '/runner/_temp',
    });
    expect(runUrl(ctx)).toBe('https://github.com/acme/site/actions/runs/42');
  });

  it('reads a pull request from the same repository', () => {
    const ctx = readContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' }, prPayload('acme/site'));
    expect(ctx.pullRequest).toEqual({
      number: 7,
      headSha: 'feedfacefeedfacefeedfacefeedfacefeedface',
      fromFork: false,
    });
  });

  it('tells a pull request from a fork', () => {
    const ctx = readContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' }, prPayload('someone/site'));
    expect(ctx.pullRequest?.fromFork).toBe(true);
  });

  it('ignores a pull_request payload on other events', () => {
    expect(readContext(env, prPayload('acme/site')).pullRequest).toBeUndefined();
  });
});

const HEAD = 'feedfacefeedfacefeedfacefeedfacefeedface';
const wfEnv = { ...env, GITHUB_EVENT_NAME: 'workflow_run' };
const wfPayload = (event: string, headRepo: string, listed: unknown[] = []) => ({
  workflow_run: {
    event,
    head_sha: HEAD,
    head_branch: 'feature',
    head_repository: {
      id: headRepo === 'acme/site' ? 1 : 2,
      full_name: headRepo,
      owner: { login: headRepo.split('/')[0] },
    },
    pull_requests: listed,
  },
  repository: { id: 1, full_name: 'acme/site' },
});

describe('readContext on workflow_run', () => {
  it("takes the run's head commit, never GITHUB_SHA (the default branch's head)", () => {
    const ctx = readContext(wfEnv, wfPayload('pull_request', 'someone/site'));
    expect(ctx.sha).toBe(HEAD);
    expect(ctx.pullRequest).toBeUndefined();
    expect(ctx.workflowRun).toEqual({
      event: 'pull_request',
      forPullRequest: true,
      head: {
        headSha: HEAD,
        headRepo: { id: 2, fullName: 'someone/site' },
        baseRepo: { id: 1, fullName: 'acme/site' },
      },
      headOwner: 'someone',
      headBranch: 'feature',
      fromFork: true,
      listed: [],
    });
  });

  it("reads the payload's pull_requests as candidates, repositories by id and API url", () => {
    const repo = { id: 1, url: 'https://api.github.com/repos/acme/site', name: 'site' };
    const ctx = readContext(
      wfEnv,
      wfPayload('pull_request', 'acme/site', [
        { number: 7, head: { sha: HEAD, repo }, base: { repo } },
        { number: 'x' },
        null,
      ]),
    );
    expect(ctx.workflowRun?.listed).toEqual([
      {
        number: 7,
        headSha: HEAD,
        headRepo: { id: 1, fullName: 'acme/site' },
        baseRepo: { id: 1, fullName: 'acme/site' },
      },
    ]);
    // Listed is not taken: the action checks it first.
    expect(ctx.pullRequest).toBeUndefined();
  });

  it('is no push when the payload could not be read: no head at all', () => {
    const ctx = readContext(wfEnv, {});
    expect(ctx.sha).toBe('');
    expect(ctx.workflowRun?.head.headRepo).toBeUndefined();
    expect(ctx.workflowRun?.forPullRequest).toBe(false);
  });

  it('prefers GITHUB_REPOSITORY_ID for this repository', () => {
    const ctx = readContext({ ...wfEnv, GITHUB_REPOSITORY_ID: '77' }, wfPayload('push', 'acme/site'));
    expect(ctx.workflowRun?.head.baseRepo).toEqual({ id: 77, fullName: 'acme/site' });
    expect(ctx.workflowRun?.forPullRequest).toBe(false);
  });
});

const base: RunContext = readContext(env, {});

describe('defaultName', () => {
  it('is <owner>/<repo>@<short sha> on a push', () => {
    expect(defaultName(base)).toBe('acme/site@0123456');
  });

  it('is <owner>/<repo>#pr-<number> on a pull request', () => {
    expect(
      defaultName(readContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' }, prPayload('acme/site'))),
    ).toBe('acme/site#pr-7');
  });

  it('is <owner>/<repo>@<tag> on a tag', () => {
    expect(defaultName({ ...base, ref: 'refs/tags/v1.2.3' })).toBe('acme/site@v1.2.3');
  });

  it("is <owner>/<repo>@<full head sha> on a head-only workflow_run: never a push's 7-digit name", () => {
    const ctx = { ...readContext(wfEnv, wfPayload('pull_request', 'someone/site')), headOnly: 'no PR' };
    expect(defaultName(ctx)).toBe(`acme/site@${HEAD}`);
  });

  it("is <owner>/<repo>@<head short sha> on a workflow_run of a push: the run's commit", () => {
    expect(defaultName(readContext(wfEnv, wfPayload('push', 'acme/site')))).toBe('acme/site@feedfac');
  });

  it('stays within 255 bytes', () => {
    expect(
      Buffer.byteLength(defaultName({ ...base, ref: `refs/tags/${'é'.repeat(300)}` })),
    ).toBeLessThanOrEqual(255);
  });
});

describe('defaultMeta', () => {
  it('says where the pin comes from', () => {
    expect(defaultMeta(base)).toEqual({
      repository: 'acme/site',
      sha: env.GITHUB_SHA,
      ref: 'refs/heads/main',
      run_url: 'https://github.com/acme/site/actions/runs/42',
    });
  });

  it('names the PR and its head commit on pull requests', () => {
    const meta = defaultMeta(
      readContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' }, prPayload('acme/site')),
    );
    expect(meta['pull_request']).toBe('7');
    expect(meta['sha']).toBe('feedfacefeedfacefeedfacefeedfacefeedface');
  });

  it("gives a head-only workflow_run's head as sha, and not the default branch's ref", () => {
    const ctx = { ...readContext(wfEnv, wfPayload('pull_request', 'someone/site')), headOnly: 'no PR' };
    expect(defaultMeta(ctx)).toEqual({
      repository: 'acme/site',
      sha: HEAD,
      run_url: 'https://github.com/acme/site/actions/runs/42',
    });
  });
});

describe('scaleTimeoutMs', () => {
  it('starts at 5 minutes for an empty tree', () => {
    expect(scaleTimeoutMs({ bytes: 0, files: 0 })).toBe(TIMEOUT_BASE_MS);
  });

  it('adds a second per MiB and 10 ms per file', () => {
    expect(scaleTimeoutMs({ bytes: 100 * 1024 * 1024, files: 1000 })).toBe(
      TIMEOUT_BASE_MS + 100_000 + 10_000,
    );
  });

  it('grows with the tree and stops at 60 minutes', () => {
    const sizes = [0, 1e6, 1e8, 1e9, 1e10, 1e12];
    const ms = sizes.map((bytes) => scaleTimeoutMs({ bytes, files: 0 }));
    expect([...ms].sort((a, b) => a - b)).toEqual(ms);
    expect(ms.at(-1)).toBe(TIMEOUT_CAP_MS);
  });
});

describe('gatewayUrl', () => {
  const v1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
  const v0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG';

  it('puts a CIDv1 in a subdomain gateway', () => {
    expect(gatewayUrl('https://{cid}.ipfs.dweb.link/', v1)).toBe(`https://${v1}.ipfs.dweb.link/`);
  });

  // The pair as the IPFS docs give it (the go-ipfs readme directory).
  it('turns a CIDv0 into base32 CIDv1 for a subdomain (subdomains are case-insensitive)', () => {
    expect(gatewayUrl('https://{cid}.ipfs.dweb.link/', v0)).toBe(
      'https://bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34.ipfs.dweb.link/',
    );
  });

  it('keeps the CID as is in a path gateway', () => {
    expect(gatewayUrl('https://ipfs.io/ipfs/{cid}/', v0)).toBe(`https://ipfs.io/ipfs/${v0}/`);
  });
});

// Every workflow under examples/workflows/ (the ones the README shows), run by a runner that
// is not ours: nektos/act in its self-hosted mode (test/support/act.ts). The action is this
// checkout's tracked files with the built dist/, as `uses: ipfs-pin/ipfs-pin@v1` downloads it;
// it pins on a real IPFS Cluster (whose kubo fetches the site over bitswap from the action's
// node, and serves it on a gateway for `verify`), and talks to the GitHub API stand-in.
// Without act (`npm run peers` builds it) every test here fails, never skips.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteRepo, exportAction, runAct } from '../support/act.js';
import type { ActRun, ActSpec } from '../support/act.js';
import { startCluster } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { startGithubApi } from '../support/github-api.js';
import type { GithubApi } from '../support/github-api.js';
import { peerBinary, repoRoot } from '../support/peers.js';

const examples = join(repoRoot, 'examples', 'workflows');
const REPO = 'acme/site';
const FORK_SHA = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';
const PR_HEAD_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';
const GITHUB_TOKEN = 'ghs_actWorkflowToken0123456789';

let work: string;
let action: string;
let cluster: Cluster;
let github: GithubApi;
let artifacts: string;
let releases: string;
let runs = 0;

interface PinView {
  requestid: string;
  status: string;
  pin: { cid: string; name?: string };
}

/** The cluster's pins by name or CID, in every status, through its own pinning API. */
async function pinsOnCluster(query: { name?: string; cid?: string }): Promise<PinView[]> {
  const params = new URLSearchParams({ status: 'queued,pinning,pinned,failed', limit: '1000' });
  if (query.name !== undefined) params.set('name', query.name);
  if (query.cid !== undefined) params.set('cid', query.cid);
  const res = await fetch(`${cluster.psaEndpoint}/pins?${params.toString()}`, {
    headers: { authorization: `Bearer ${cluster.token}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { results: PinView[] }).results;
}

async function act(
  workflow: string,
  spec: Omit<ActSpec, 'workflow' | 'action' | 'githubApi' | 'work'>,
): Promise<ActRun> {
  const dir = join(work, `run-${++runs}`);
  const run = await runAct({
    workflow: join(examples, workflow),
    action,
    githubApi: github.url,
    work: dir,
    ...spec,
    vars: { PSA_ENDPOINT: cluster.psaEndpoint, ...spec.vars },
    secrets: { PSA_TOKEN: cluster.token, GITHUB_TOKEN, ...spec.secrets },
    env: { ACT_ARTIFACTS: artifacts, ACT_RELEASES: releases, ...spec.env },
  });
  // No token in any form in what the runner shows.
  expect(run.log).not.toContain(cluster.token);
  expect(run.log).not.toContain(GITHUB_TOKEN);
  return run;
}

/** The lines of a run's steps matching a pattern, the first capture of each. */
function captured(run: ActRun, pattern: RegExp): string[] {
  return run.stepLines.flatMap((l) => {
    const m = pattern.exec(l);
    return m ? [m[1] ?? ''] : [];
  });
}

const site = (title: string) =>
  createSiteRepo(work, REPO, {
    'index.html': `<!doctype html><title>${title}</title><h1>${title}</h1>\n`,
    'assets/app.js': `console.log(${JSON.stringify(title.repeat(20_000))});\n`,
  });

const repository = { full_name: REPO, name: 'site', owner: { login: 'acme' } };

beforeAll(async () => {
  peerBinary('act');
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-act-'));
  artifacts = join(work, 'artifacts');
  releases = join(work, 'releases');
  action = await exportAction(join(work, 'action'));
  [cluster, github] = await Promise.all([startCluster({ kubo: { gateway: true } }), startGithubApi()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), github?.stop()]);
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the example workflows under act', () => {
  it('every workflow in examples/workflows is run by a test here', () => {
    const here = readFileSync(new URL(import.meta.url), 'utf8');
    const files = readdirSync(examples).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(here, f).toContain(`act('${f}'`);
  });

  it('the action as the runner gets it: tracked files and dist/, no node_modules', async () => {
    const top = await readdir(action);
    expect(top).toEqual(expect.arrayContaining(['action.yml', 'dist']));
    expect(top).not.toContain('node_modules');
    expect(top).not.toContain('.peers');
  });

  it('push-deploy.yml: a push to main pins the site and prints the CID and the URL', async () => {
    const repo = await site('push');
    const run = await act('push-deploy.yml', {
      event: 'push',
      site: repo.dir,
      payload: { ref: 'refs/heads/main', after: repo.sha, repository },
    });
    expect(run.code, run.log).toBe(0);
    const [line] = captured(run, /^(pinned \S+, served at \S+)$/);
    const [, cid = '', url = ''] = /^pinned (\S+), served at (\S+)$/.exec(line ?? '') ?? [];
    expect(cid, run.log).toMatch(/^bafy/);
    expect(url).toBe(`https://${cid}.ipfs.dweb.link/`);
    const pins = await pinsOnCluster({ cid });
    expect(pins.map((p) => p.status)).toEqual(['pinned']);
  }, 300_000);

  describe('pull requests', () => {
    let previewCid = '';

    it('pr-preview.yml: pins the PR under its own name, one comment and one commit status', async () => {
      const repo = await site('preview');
      const run = await act('pr-preview.yml', {
        event: 'pull_request',
        site: repo.dir,
        payload: {
          action: 'synchronize',
          number: 7,
          pull_request: {
            number: 7,
            head: { sha: PR_HEAD_SHA, ref: 'feature', repo: { full_name: REPO } },
            base: { sha: repo.sha, ref: 'main', repo: { full_name: REPO } },
          },
          repository,
        },
      });
      expect(run.code, run.log).toBe(0);
      const pins = await pinsOnCluster({ name: `${REPO}#pr-7` });
      expect(pins.map((p) => p.status)).toEqual(['pinned']);
      previewCid = pins[0]?.pin.cid ?? '';
      const comments = github.comments.filter((c) => c.issue === 7);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(previewCid);
      const statuses = github.statuses.filter((s) => s.sha === PR_HEAD_SHA);
      expect(statuses).toHaveLength(1);
      expect(statuses[0]).toMatchObject({ state: 'success', repository: REPO });
    }, 300_000);

    it('pr-cleanup.yml: closing the PR removes its pin', async () => {
      expect(previewCid, 'the preview test pins first').toMatch(/^bafy/);
      const repo = await site('cleanup');
      const run = await act('pr-cleanup.yml', {
        event: 'pull_request_target',
        site: repo.dir,
        payload: {
          action: 'closed',
          number: 7,
          pull_request: {
            number: 7,
            merged: true,
            head: { sha: PR_HEAD_SHA, ref: 'feature', repo: { full_name: REPO } },
            base: { sha: repo.sha, ref: 'main', repo: { full_name: REPO } },
          },
          repository,
        },
      });
      expect(run.code, run.log).toBe(0);
      expect(captured(run, /^(removed \d+ pins)$/)).toEqual(['removed 1 pins']);
      expect(await pinsOnCluster({ name: `${REPO}#pr-7` })).toEqual([]);
      expect(await pinsOnCluster({ cid: previewCid })).toEqual([]);
      // The preview comment is edited to say so, not joined by a second one.
      const comments = github.comments.filter((c) => c.issue === 7);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).not.toContain(previewCid);
    }, 300_000);

    it('fork-preview-build.yml then fork-preview-deploy.yml: the fork recipe pins from the artifact', async () => {
      const repo = await site('fork');
      const build = await act('fork-preview-build.yml', {
        event: 'pull_request',
        site: repo.dir,
        env: { GITHUB_RUN_ID: '4242' },
        payload: {
          action: 'opened',
          number: 8,
          pull_request: {
            number: 8,
            head: { sha: FORK_SHA, ref: 'feature', repo: { full_name: 'someone/site' } },
            base: { sha: repo.sha, ref: 'main', repo: { full_name: REPO } },
          },
          repository,
        },
      });
      expect(build.code, build.log).toBe(0);
      expect(await readdir(join(artifacts, '4242', 'site'))).toEqual(
        expect.arrayContaining(['index.html', 'assets']),
      );

      // A fork's run names no pull request: the action finds it through the API.
      github.addPull({ number: 8, headSha: FORK_SHA, headRepo: 'someone/site', headBranch: 'feature' });
      const deploy = await act('fork-preview-deploy.yml', {
        event: 'workflow_run',
        site: repo.dir,
        payload: {
          action: 'completed',
          workflow_run: {
            id: 4242,
            name: 'preview-build',
            event: 'pull_request',
            conclusion: 'success',
            head_sha: FORK_SHA,
            head_branch: 'feature',
            head_repository: { full_name: 'someone/site', owner: { login: 'someone' } },
            repository: { full_name: REPO },
            pull_requests: [],
          },
          repository,
        },
      });
      expect(deploy.code, deploy.log).toBe(0);
      const pins = await pinsOnCluster({ name: `${REPO}#pr-8` });
      expect(pins.map((p) => p.status)).toEqual(['pinned']);
      const comments = github.comments.filter((c) => c.issue === 8);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(pins[0]?.pin.cid);
      expect(github.statuses.filter((s) => s.sha === FORK_SHA)).toHaveLength(1);
    }, 300_000);
  });

  it('release.yml: a tag pins the site, verifies it through the gateway and attaches the CAR', async () => {
    const repo = await site('release');
    const run = await act('release.yml', {
      event: 'push',
      site: repo.dir,
      env: { GITHUB_REF: 'refs/tags/v1.0.0' },
      vars: { IPFS_GATEWAY: `${cluster.kubo.gatewayUrl ?? ''}/ipfs/{cid}/` },
      payload: { ref: 'refs/tags/v1.0.0', after: repo.sha, repository },
    });
    expect(run.code, run.log).toBe(0);
    expect(run.log).toMatch(/Verified: the gateway served all \d+ blocks/);
    const notes = await readFile(join(releases, 'v1.0.0', 'notes'), 'utf8');
    const [, cid = '', url] = /^ipfs:\/\/(\S+) \((\S+)\)$/.exec(notes) ?? [];
    expect(cid, notes).toMatch(/^bafy/);
    expect(url).toBe(`${cluster.kubo.gatewayUrl ?? ''}/ipfs/${cid}/`);
    const car = await CarReader.fromBytes(await readFile(join(releases, 'v1.0.0', 'site.car')));
    expect((await car.getRoots()).map(String)).toEqual([cid]);
    expect(await car.has((await car.getRoots())[0]!)).toBe(true);
    const pins = await pinsOnCluster({ name: `${REPO}@v1.0.0` });
    expect(pins.map((p) => [p.pin.cid, p.status])).toEqual([[cid, 'pinned']]);
  }, 300_000);
});

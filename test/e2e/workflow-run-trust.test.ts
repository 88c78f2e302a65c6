/**
 * A `workflow_run` deploy trusts nothing a fork controls (issue #19, findings 1 and 2): the
 * committed bundle, a real pinning service (tools/psa-server: a pin is `pinned` once its data
 * came over bitswap, so `replace` really runs) and the local GitHub API stand-in, which
 * filters `head` and `state` and lists PRs by commit as GitHub does. Each test starts from the
 * pins a repository would have (the production pin of main, another PR's preview) and checks
 * they are still there after the run.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPinningClient } from '../../src/lib/index.js';
import type { PinStatus } from '../../src/lib/index.js';
import { repoId, startGithubApi } from '../support/github-api.js';
import type { GithubApi } from '../support/github-api.js';
import { startPsaServer } from '../support/psa-server.js';
import type { PsaServer } from '../support/psa-server.js';
import { HEAD_SHA, MERGE_SHA, runAction as runActionIn } from '../support/run-action.js';
import type { ActionRun, RunSpec } from '../support/run-action.js';

/** GITHUB_SHA of every run here (run-action.ts): on workflow_run, the default branch's head. */
const PRODUCTION = `acme/site@${MERGE_SHA.slice(0, 7)}`;
const HEAD_NAME = `acme/site@${HEAD_SHA}`;
const MAINTAINER_SHA = 'abcdef0123456789abcdef0123456789abcdef01';
/** Inline (identity) CIDs: the service has their data at once, so the seeded pins are `pinned`. */
const inline = (text: string): string =>
  CID.createV1(raw.code, identity.digest(new TextEncoder().encode(text))).toString();
const CID_PROD = inline('production build of main');
const CID_PREVIEW = inline('preview of PR 10');
const CID_OTHER = inline('preview of PR 9');
const MARKER = '<!-- ipfs-pin:comment path=site -->';

let work: string;
let psa: PsaServer;
let api: GithubApi;
const runAction = (spec: RunSpec): Promise<ActionRun> => runActionIn(work, spec);
const client = () => createPinningClient({ endpoint: psa.endpoint, token: psa.token });

async function pinsOnService(): Promise<PinStatus[]> {
  const all: PinStatus[] = [];
  for await (const p of client().list({ status: ['queued', 'pinning', 'pinned', 'failed'] })) all.push(p);
  return all;
}

const names = async (): Promise<string[]> => (await pinsOnService()).map((p) => p.pin.name ?? '').sort();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-trust-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>from the head</h1>\n');
  psa = await startPsaServer();
}, 60_000);
afterAll(async () => {
  await psa?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});
// Each test starts from an empty service and a GitHub with no comment, status or PR.
beforeEach(async () => {
  for (const p of await pinsOnService()) await client().remove(p.requestid);
  api = await startGithubApi();
});
afterEach(async () => {
  await api.stop();
});

/** A repository as a workflow_run payload's `pull_requests` name it: id, API url, short name. */
const repoRef = (fullName: string) => ({
  id: repoId(fullName),
  url: `https://api.github.com/repos/${fullName}`,
  name: fullName.split('/')[1] ?? '',
});

/** A pull request as a workflow_run payload lists it, with its head in acme/site. */
const listedPull = (o: { number: number; headSha: string; baseSha: string; baseRepo?: string }) => {
  const baseRepo = o.baseRepo ?? 'acme/site';
  return {
    id: 1,
    number: o.number,
    url: `https://api.github.com/repos/${baseRepo}/pulls/${o.number}`,
    head: { ref: 'feature', sha: o.headSha, repo: repoRef('acme/site') },
    base: { ref: 'main', sha: o.baseSha, repo: repoRef(baseRepo) },
  };
};

interface RunOptions {
  headSha?: string;
  headRepo?: string;
  headBranch?: string;
  listed?: unknown[];
}

/** The `workflow_run` event of the deploy workflow, after a `pull_request` run in acme/site. */
function workflowRun(o: RunOptions = {}): { name: string; payload: unknown } {
  const headRepo = o.headRepo ?? 'someone/site';
  return {
    name: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        event: 'pull_request',
        head_sha: o.headSha ?? HEAD_SHA,
        head_branch: o.headBranch ?? 'feature',
        head_repository: {
          id: repoId(headRepo),
          full_name: headRepo,
          owner: { login: headRepo.split('/')[0] },
        },
        repository: { id: repoId('acme/site'), full_name: 'acme/site' },
        pull_requests: o.listed ?? [],
      },
      repository: { id: repoId('acme/site'), full_name: 'acme/site' },
    },
  };
}

const deploy = (extra: Record<string, string> = {}): Record<string, string> => ({
  path: 'site',
  endpoint: psa.endpoint,
  token: psa.token,
  'github-token': 'ghs_deploy',
  replace: 'true',
  timeout: '60s',
  ...extra,
});

/** The production pin of main, as the push deploy made it, and PR #10's preview. */
async function seedPins(): Promise<void> {
  await client().add({ cid: CID_PROD, name: PRODUCTION, meta: { sha: MERGE_SHA } });
  await client().add({ cid: CID_PREVIEW, name: 'acme/site#pr-10' });
  await waitPinned();
}

/** replace removes only pins older than ours on the service's clock: let the seeds be older. */
async function waitPinned(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pins = await pinsOnService();
    if (pins.every((p) => p.status === 'pinned')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the seeded pins did not reach pinned: ${JSON.stringify(await pinsOnService())}`);
}

/** The run was pinned under its head's name, touched no other pin and no pull request. */
async function expectHeadOnly(run: ActionRun): Promise<void> {
  expect(run.code, run.stdout).toBe(0);
  const pins = await pinsOnService();
  expect(pins.map((p) => p.pin.name).sort()).toEqual(['acme/site#pr-10', HEAD_NAME, PRODUCTION].sort());
  expect(pins.find((p) => p.pin.name === PRODUCTION)?.pin.cid).toBe(CID_PROD);
  expect(pins.find((p) => p.pin.name === 'acme/site#pr-10')?.pin.cid).toBe(CID_PREVIEW);
  const ours = pins.find((p) => p.pin.name === HEAD_NAME);
  expect(ours?.pin.meta).toMatchObject({ sha: HEAD_SHA });
  expect(ours?.pin.meta?.['pull_request']).toBeUndefined();
  expect(run.outputs['cid']).toBe(ours?.pin.cid);
  expect(run.summary).toContain(`<code>${HEAD_NAME}</code>`);
  expect(api.comments).toEqual([]);
  expect(api.statuses).toEqual([]);
  expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(run.stdout).toMatch(/::warning::No pull request matched this workflow_run/);
}

describe('finding 1: no PR found never takes the push name, never replaces', () => {
  it('the lookup finds nothing: pinned under the head, production pin untouched', async () => {
    await seedPins();
    const run = await runAction({ inputs: deploy(), event: workflowRun(), githubApi: api.url });
    await expectHeadOnly(run);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /repos/acme/site/pulls');
  }, 60_000);

  it('the fork closed its PR before the deploy ran: the same', async () => {
    await seedPins();
    api.addPull({
      number: 9,
      headSha: HEAD_SHA,
      headRepo: 'someone/site',
      headBranch: 'feature',
      state: 'closed',
    });
    const run = await runAction({ inputs: deploy(), event: workflowRun(), githubApi: api.url });
    await expectHeadOnly(run);
  }, 60_000);

  it('no github-token to look it up with: the same', async () => {
    await seedPins();
    const inputs = deploy();
    delete inputs['github-token'];
    const run = await runAction({ inputs, event: workflowRun(), githubApi: api.url });
    await expectHeadOnly(run);
    expect(run.stdout).toMatch(/without `github-token`/);
    expect(api.requests).toEqual([]);
  }, 60_000);

  it('the GitHub API fails: the same', async () => {
    await seedPins();
    api.failNext('GET', /\/pulls$/, 500, 20);
    const run = await runAction({ inputs: deploy(), event: workflowRun(), githubApi: api.url });
    await expectHeadOnly(run);
    expect(run.stdout).toMatch(/its pull request could not be looked up \(/);
  }, 60_000);

  it('an explicit `name` is not used either (it may be the production one)', async () => {
    await seedPins();
    const run = await runAction({
      inputs: deploy({ name: PRODUCTION }),
      event: workflowRun(),
      githubApi: api.url,
    });
    await expectHeadOnly(run);
  }, 60_000);
});

describe('a workflow_run that is not a pull request run is not a push either', () => {
  it("a review run of a fork's PR (event pull_request_review): pinned under the head, nothing replaced", async () => {
    await seedPins();
    const event = workflowRun();
    (event.payload as { workflow_run: { event: string } }).workflow_run.event = 'pull_request_review';
    const run = await runAction({ inputs: deploy(), event, githubApi: api.url });
    await expectHeadOnly(run);
  }, 60_000);

  it('a payload with no workflow_run in it: nothing pinned, a clear error', async () => {
    await seedPins();
    const run = await runAction({
      inputs: deploy(),
      event: { name: 'workflow_run', payload: {} },
      githubApi: api.url,
    });
    expect(run.code).toBe(1);
    expect(await names()).toEqual(['acme/site#pr-10', PRODUCTION].sort());
    expect(run.stdout).toMatch(/::error::INVALID_INPUT: This workflow_run has no pull request of its own/);
  }, 60_000);
});

describe('finding 2: a run is never attached to a PR that is not its own', () => {
  it('stacked PRs: the run of a closed PR is not given to the open PR built on it', async () => {
    await seedPins();
    // PR #9 (feature-a, head HEAD_SHA) was closed unmerged; PR #10 (feature-b) is stacked on it.
    api.addPull({
      number: 9,
      headSha: HEAD_SHA,
      headRepo: 'acme/site',
      headBranch: 'feature-a',
      state: 'closed',
    });
    api.addPull({
      number: 10,
      headSha: MAINTAINER_SHA,
      headRepo: 'acme/site',
      headBranch: 'feature-b',
      commits: [HEAD_SHA, MAINTAINER_SHA],
    });
    const run = await runAction({
      inputs: deploy(),
      event: workflowRun({ headRepo: 'acme/site', headBranch: 'feature-a' }),
      githubApi: api.url,
    });
    await expectHeadOnly(run);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `GET /repos/acme/site/commits/${HEAD_SHA}/pulls`,
    );
  }, 60_000);

  it("a fork PR on a maintainer's head commit, closed before the deploy: the maintainer's PR is left alone", async () => {
    await seedPins();
    api.addPull({ number: 10, headSha: HEAD_SHA, headRepo: 'acme/site', headBranch: 'feature' });
    api.addPull({
      number: 12,
      headSha: HEAD_SHA,
      headRepo: 'someone/site',
      headBranch: 'copy',
      state: 'closed',
    });
    const run = await runAction({
      inputs: deploy(),
      event: workflowRun({ headRepo: 'someone/site', headBranch: 'copy' }),
      githubApi: api.url,
    });
    await expectHeadOnly(run);
  }, 60_000);

  it("…and its cleanup (which finds the fork's own closed PR) removes nothing of the maintainer's PR", async () => {
    await seedPins();
    api.addComment('acme/site', 10, `${MARKER}\n### ipfs-pin: Pinned`, 'github-actions[bot]');
    api.addPull({ number: 10, headSha: HEAD_SHA, headRepo: 'acme/site', headBranch: 'feature' });
    api.addPull({
      number: 12,
      headSha: HEAD_SHA,
      headRepo: 'someone/site',
      headBranch: 'copy',
      state: 'closed',
    });
    const run = await runAction({
      inputs: { cleanup: 'true', endpoint: psa.endpoint, token: psa.token, 'github-token': 'ghs_cleanup' },
      event: workflowRun({ headRepo: 'someone/site', headBranch: 'copy' }),
      githubApi: api.url,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(await names()).toEqual(['acme/site#pr-10', PRODUCTION].sort());
    expect(api.comments.map((c) => c.body)).toEqual([`${MARKER}\n### ipfs-pin: Pinned`]);
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(run.outputs['removed']).toBe('0');
    expect(run.stdout).toContain('This workflow_run is for pull request #12 (from a fork)');
  }, 60_000);

  it('a cleanup with no PR of its own removes nothing and says so', async () => {
    await seedPins();
    api.addPull({ number: 10, headSha: HEAD_SHA, headRepo: 'acme/site', headBranch: 'feature' });
    const run = await runAction({
      inputs: { cleanup: 'true', endpoint: psa.endpoint, token: psa.token, 'github-token': 'ghs_cleanup' },
      event: workflowRun({ headRepo: 'someone/site', headBranch: 'copy' }),
      githubApi: api.url,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(await names()).toEqual(['acme/site#pr-10', PRODUCTION].sort());
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(run.outputs['status']).toBe('skipped');
    expect(run.outputs['removed']).toBe('');
    expect(run.stdout).toMatch(/::warning::No pull request matched this workflow_run/);
  }, 60_000);

  it('a PR in the payload for another base repository is refused', async () => {
    await seedPins();
    // acme/site's own PR #7 is someone else's: the payload's #7 is one opened in other/site.
    api.addPull({ number: 7, headSha: MAINTAINER_SHA, headRepo: 'acme/site', headBranch: 'unrelated' });
    const listed = listedPull({
      number: 7,
      headSha: HEAD_SHA,
      baseSha: MAINTAINER_SHA,
      baseRepo: 'other/site',
    });
    const run = await runAction({
      inputs: deploy(),
      event: workflowRun({ headRepo: 'acme/site', listed: [listed] }),
      githubApi: api.url,
    });
    await expectHeadOnly(run);
    expect(run.stdout).toContain('Not pull request #7: its base is other/site, not acme/site');
  }, 60_000);

  it('a PR in the payload whose head is another commit is refused', async () => {
    await seedPins();
    api.addPull({ number: 10, headSha: MAINTAINER_SHA, headRepo: 'acme/site', headBranch: 'feature' });
    const listed = listedPull({ number: 10, headSha: MAINTAINER_SHA, baseSha: MERGE_SHA });
    const run = await runAction({
      inputs: deploy(),
      event: workflowRun({ headRepo: 'acme/site', listed: [listed] }),
      githubApi: api.url,
    });
    await expectHeadOnly(run);
    expect(run.stdout).toContain("Not pull request #10: its head is abcdef0, not this run's feedfac");
  }, 60_000);

  it('a PR in the payload that is the run’s own is taken: comment, status on the run head, its name', async () => {
    await seedPins();
    const listed = listedPull({ number: 10, headSha: HEAD_SHA, baseSha: MERGE_SHA });
    const run = await runAction({
      inputs: deploy(),
      event: workflowRun({ headRepo: 'acme/site', listed: [listed] }),
      githubApi: api.url,
    });
    expect(run.code, run.stdout).toBe(0);
    const pins = await pinsOnService();
    // replace: #10's older preview went, ours took the name; production untouched.
    expect(pins.map((p) => p.pin.name).sort()).toEqual(['acme/site#pr-10', PRODUCTION].sort());
    expect(pins.find((p) => p.pin.name === 'acme/site#pr-10')?.pin.cid).toBe(run.outputs['cid']);
    expect(api.comments.filter((c) => c.issue === 10)).toHaveLength(1);
    expect(api.statuses).toMatchObject([{ sha: HEAD_SHA, context: 'ipfs-pin' }]);
  }, 60_000);
});

describe('cleanup of a workflow_run finds the closed PR (state: all) and checks it', () => {
  it("removes the closed fork PR's pins, edits its comment, and nothing else", async () => {
    await client().add({ cid: CID_PROD, name: PRODUCTION });
    await client().add({ cid: CID_PREVIEW, name: 'acme/site#pr-9' });
    await client().add({ cid: CID_OTHER, name: 'acme/site#pr-10' });
    api.addComment('acme/site', 9, `${MARKER}\n### ipfs-pin: Pinned`, 'github-actions[bot]');
    api.addPull({
      number: 9,
      headSha: HEAD_SHA,
      headRepo: 'someone/site',
      headBranch: 'feature',
      state: 'closed',
    });
    const run = await runAction({
      inputs: { cleanup: 'true', endpoint: psa.endpoint, token: psa.token, 'github-token': 'ghs_cleanup' },
      event: workflowRun(),
      githubApi: api.url,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['status']).toBe('removed');
    expect(run.outputs['removed']).toBe('1');
    expect(await names()).toEqual(['acme/site#pr-10', PRODUCTION].sort());
    expect(api.requests).toContainEqual(
      expect.objectContaining({
        path: '/repos/acme/site/pulls',
        query: expect.objectContaining({ head: 'someone:feature', state: 'all' }) as unknown,
      }),
    );
    expect(api.comments.find((c) => c.issue === 9)?.body).toContain('Preview removed');
    expect(api.statuses).toEqual([]);
  }, 60_000);
});

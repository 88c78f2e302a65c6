/**
 * The whole life of a preview and a release, as a runner runs the committed bundle and a
 * user runs the CLI: fork PRs through `workflow_run` (the PR found from the payload or through
 * the API), cleanup when the PR closes, the CAR of what was pinned, and proof that the link
 * works through a real gateway (the kubo an IPFS Cluster pins to), against real services on
 * loopback and a local stand-in for the GitHub API.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CarBlockIterator } from '@ipld/car/iterator';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinningClient } from '../../src/lib/index.js';
import { startCluster } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { repoId, startGithubApi } from '../support/github-api.js';
import { startKubo } from '../support/kubo.js';
import type { Kubo } from '../support/kubo.js';
import { startMockPsa } from '../support/mock-psa.js';
import type { MockPsa } from '../support/mock-psa.js';
import { HEAD_SHA, MERGE_SHA, pullRequestEvent, runAction as runActionIn } from '../support/run-action.js';
import type { ActionRun, RunSpec } from '../support/run-action.js';
import { ipfsPin } from './pin-helpers.js';

const TOKEN = 'mock-token-lifecycle';
const CID_A = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const CID_B = 'bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq';
const CID_C = 'bafkreiaxnnnb7qz2focittuqq3ya25q7rcv3bqynnczfzako47346wosmu';

let work: string;
let mock: MockPsa;
const runAction = (spec: RunSpec): Promise<ActionRun> => runActionIn(work, spec);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-lifecycle-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>preview</h1>\n');
  await writeFile(join(work, 'site', 'app.js'), 'console.log(1)\n'.repeat(500));
  mock = await startMockPsa({ token: TOKEN });
});
afterAll(async () => {
  await mock?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const workflowRun = (opts: { fork: boolean; listed: boolean }) => ({
  name: 'workflow_run',
  payload: {
    action: 'completed',
    workflow_run: {
      event: 'pull_request',
      head_sha: HEAD_SHA,
      head_branch: 'feature',
      head_repository: {
        id: repoId(opts.fork ? 'someone/site' : 'acme/site'),
        full_name: opts.fork ? 'someone/site' : 'acme/site',
        owner: { login: opts.fork ? 'someone' : 'acme' },
      },
      repository: { full_name: 'acme/site' },
      // As GitHub lists them: the repositories by id, API url and short name.
      pull_requests: opts.listed
        ? [
            {
              id: 1,
              number: 7,
              url: 'https://api.github.com/repos/acme/site/pulls/7',
              head: {
                sha: HEAD_SHA,
                ref: 'feature',
                repo: {
                  id: repoId('acme/site'),
                  url: 'https://api.github.com/repos/acme/site',
                  name: 'site',
                },
              },
              base: {
                sha: MERGE_SHA,
                ref: 'main',
                repo: {
                  id: repoId('acme/site'),
                  url: 'https://api.github.com/repos/acme/site',
                  name: 'site',
                },
              },
            },
          ]
        : [],
    },
    repository: { full_name: 'acme/site' },
  },
});

const prEvent = (action: string) => pullRequestEvent({ action });

describe('workflow_run after a pull_request run', () => {
  // The mock service pins at once when the name starts with `pinned-`: the tests set it,
  // and look at what the default name would have been in the summary's meta instead.
  it('from the same repository: treated as that PR (comment, status on the head, PR meta)', async () => {
    const api = await startGithubApi();
    try {
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: mock.url,
          token: TOKEN,
          name: 'pinned-wr-same',
          'github-token': 'ghs_wr',
        },
        event: workflowRun({ fork: false, listed: true }),
        githubApi: api.url,
      });
      expect(run.code, run.stdout).toBe(0);
      expect(api.comments.filter((c) => c.issue === 7 && c.body.includes('ipfs-pin:comment'))).toHaveLength(
        1,
      );
      expect(api.statuses).toMatchObject([{ sha: HEAD_SHA, state: 'success', context: 'ipfs-pin' }]);
      // No PR lookup was needed: the payload named it.
      expect(api.requests.some((r) => r.path.includes('/pulls'))).toBe(false);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('from a fork (pull_requests is empty): the PR is looked up through the API, and the default name is the PR one', async () => {
    const api = await startGithubApi();
    api.addPull({ number: 9, headSha: HEAD_SHA, headRepo: 'someone/site', headBranch: 'feature' });
    try {
      const run = await runAction({
        inputs: { path: 'site', endpoint: mock.url, token: TOKEN, 'github-token': 'ghs_wr', wait: 'false' },
        event: workflowRun({ fork: true, listed: false }),
        githubApi: api.url,
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toContain('This workflow_run is for pull request #9 (from a fork)');
      expect(run.summary).toContain('<code>acme/site#pr-9</code>');
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /repos/acme/site/pulls');
      expect(api.comments.filter((c) => c.issue === 9)).toHaveLength(1);
      expect(api.statuses).toMatchObject([{ sha: HEAD_SHA }]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('with no PR to be found: a warning, and it pins under the head commit, not as a push', async () => {
    const api = await startGithubApi();
    try {
      const run = await runAction({
        inputs: { path: 'site', endpoint: mock.url, token: TOKEN, 'github-token': 'ghs_wr', wait: 'false' },
        event: workflowRun({ fork: true, listed: false }),
        githubApi: api.url,
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toMatch(/::warning::No pull request matched this workflow_run/);
      expect(run.summary).toContain(`<code>acme/site@${HEAD_SHA}</code>`);
      expect(run.summary).not.toContain(`acme/site@${MERGE_SHA.slice(0, 7)}`);
      expect(api.comments).toEqual([]);
      expect(api.statuses).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);
});

describe('cleanup when the pull request closes', () => {
  it("removes every pin of the PR's name on every service, edits the comment, sets no status", async () => {
    const other = await startMockPsa({ token: 'mock-token-other' });
    const api = await startGithubApi();
    try {
      const a = createPinningClient({ endpoint: mock.url, token: TOKEN });
      const b = createPinningClient({ endpoint: other.url, token: 'mock-token-other' });
      await a.add({ cid: CID_A, name: 'acme/site#pr-7' });
      await a.add({ cid: CID_B, name: 'acme/site#pr-7' });
      // The mock answers a second POST of a CID with its first pin: one CID per pin here.
      await a.add({ cid: CID_C, name: 'acme/site#pr-8' });
      await b.add({ cid: CID_A, name: 'acme/site#pr-7' });
      // The comment an earlier run left (by the default token's bot).
      api.addComment(
        'acme/site',
        7,
        '<!-- ipfs-pin:comment path=site -->\n### ipfs-pin: Pinned',
        'github-actions[bot]',
      );
      const run = await runAction({
        inputs: {
          cleanup: 'true',
          services: `${mock.url}|${TOKEN}\n${other.url}|mock-token-other`,
          'github-token': 'ghs_cleanup',
        },
        event: prEvent('closed'),
        githubApi: api.url,
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs['removed']).toBe('3');
      expect(run.outputs['status']).toBe('removed');
      expect(run.summary).toContain('Preview removed');
      const comment = api.comments.find((c) => c.user.login === 'github-actions[bot]');
      expect(comment?.body).toContain('Preview removed');
      expect(api.comments).toHaveLength(1);
      expect(api.statuses).toEqual([]);
      const left: string[] = [];
      for await (const p of a.list({ status: ['queued', 'pinning', 'pinned', 'failed'] }))
        left.push(p.pin.name ?? '');
      // Earlier tests left pins of their own names on this service: only the PR's went.
      expect(left.filter((n) => n.startsWith('acme/site#'))).toEqual(['acme/site#pr-8']);
    } finally {
      await other.close();
      await api.stop();
    }
  }, 60_000);

  it('fails clearly without a name the event can give', async () => {
    const run = await runAction({ inputs: { cleanup: 'true', endpoint: mock.url, token: TOKEN } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::INVALID_INPUT: `cleanup: true` needs the name of the pins to remove: set `name`/,
    );
  });

  it('ipfs-pin rm --name removes every pin of the name', async () => {
    const c = createPinningClient({ endpoint: mock.url, token: TOKEN });
    await c.add({ cid: CID_A, name: 'release-candidate' });
    await c.add({ cid: CID_B, name: 'release-candidate' });
    const run = await ipfsPin(['rm', '--name', 'release-candidate', '--endpoint', mock.url], {
      env: { IPFS_PIN_TOKEN: TOKEN },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
    expect(run.stderr).toContain('removed 2 pins named release-candidate');
  });
});

async function carRoots(path: string): Promise<string[]> {
  const it = await CarBlockIterator.fromIterable(createReadStream(path));
  return (await it.getRoots()).map((r) => r.toString());
}

describe('the CAR of what was pinned', () => {
  it('the action writes it and gives its absolute path, on a push and on a fork PR without secrets', async () => {
    await mkdir(join(work, 'out'), { recursive: true });
    const pinned = await runAction({
      inputs: { path: 'site', endpoint: mock.url, token: TOKEN, name: 'pinned-car', car: 'out/site.car' },
    });
    expect(pinned.code, pinned.stdout).toBe(0);
    const carPath = pinned.outputs['car-path'] ?? '';
    expect(isAbsolute(carPath)).toBe(true);
    expect(await carRoots(carPath)).toEqual([pinned.outputs['cid']]);
    expect(pinned.summary).toContain('**CAR:**');

    const fork = {
      name: 'pull_request',
      payload: {
        number: 7,
        pull_request: {
          number: 7,
          head: { sha: HEAD_SHA, repo: { full_name: 'someone/site' } },
          base: { repo: { full_name: 'acme/site' } },
        },
      },
    };
    const skipped = await runAction({
      inputs: { path: 'site', endpoint: mock.url, car: 'out/fork.car' },
      event: fork,
    });
    expect(skipped.code, skipped.stdout).toBe(0);
    expect(skipped.outputs['status']).toBe('skipped');
    expect(await carRoots(skipped.outputs['car-path'] ?? '')).toEqual([pinned.outputs['cid']]);
  }, 60_000);

  it('a car path in a directory that does not exist fails before the import', async () => {
    const run = await runAction({
      inputs: { path: 'site', endpoint: mock.url, token: TOKEN, car: 'no/such/dir/site.car' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::INVALID_INPUT: car: the directory .*no\/such\/dir does not exist/);
  });

  it('ipfs-pin cid --car and pin --car write the same CAR root', async () => {
    const a = join(work, 'cli-cid.car');
    const b = join(work, 'cli-pin.car');
    const cid = await ipfsPin(['cid', join(work, 'site'), '--car', a]);
    expect(cid.code, cid.stderr).toBe(0);
    const pin = await ipfsPin(
      ['pin', join(work, 'site'), '--endpoint', mock.url, '--name', 'pinned-cli-car', '--car', b, '--json'],
      { env: { IPFS_PIN_TOKEN: TOKEN } },
    );
    expect(pin.code, pin.stderr).toBe(0);
    const result = JSON.parse(pin.stdout) as { cid: string; import: { car: string } };
    expect(result.import.car).toBe(b);
    expect(await carRoots(a)).toEqual([cid.stdout.trim()]);
    expect(await carRoots(b)).toEqual([result.cid]);
    expect(existsSync(b)).toBe(true);
  }, 60_000);
});

describe('verify: proof that the link works', () => {
  let cluster: Cluster;
  let empty: Kubo;
  beforeAll(async () => {
    cluster = await startCluster({ kubo: { gateway: true } });
    empty = await startKubo({ gateway: true });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await empty?.stop();
  });

  it('the action checks every block through the gateway of the kubo the cluster pinned to', async () => {
    const api = await startGithubApi();
    try {
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: cluster.psaEndpoint,
          token: cluster.token,
          verify: 'true',
          gateway: `${cluster.kubo.gatewayUrl ?? ''}/ipfs/{cid}/`,
          'github-token': 'ghs_verify',
        },
        event: prEvent('synchronize'),
        githubApi: api.url,
      });
      expect(run.code, run.stdout.slice(-3000)).toBe(0);
      expect(run.outputs['verified']).toBe('true');
      expect(run.stdout).toMatch(/Verified: the gateway served all \d+ blocks/);
      expect(run.summary).toContain('**Verified:** yes');
      expect(api.comments[0]?.body).toContain('**Verified:** yes');
    } finally {
      await api.stop();
    }
  }, 120_000);

  it('fails with VERIFY_FAILED through a gateway without the data, and the pin stays', async () => {
    await writeFile(join(work, 'site', 'extra.txt'), `new ${Date.now()}\n`);
    const run = await runAction({
      inputs: {
        path: 'site',
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        verify: 'true',
        'verify-timeout': '5s',
        gateway: `${empty.gatewayUrl ?? ''}/ipfs/{cid}/`,
      },
    });
    expect(run.code).toBe(1);
    expect(run.outputs['verified']).toBe('false');
    expect(run.stdout).toMatch(/::error::VERIFY_FAILED: /);
    expect(run.summary).toContain('**Verified:** no');
    const { stdout } = await cluster.ctl(['--enc=json', 'status', run.outputs['cid'] ?? '']);
    expect(
      Object.values((JSON.parse(stdout) as { peer_map: Record<string, { status: string }> }).peer_map)[0]
        ?.status,
    ).toBe('pinned');
  }, 120_000);

  it('ipfs-pin pin --verify checks the link too', async () => {
    await writeFile(join(work, 'site', 'extra.txt'), `cli ${Date.now()}\n`);
    const run = await ipfsPin(
      [
        'pin',
        join(work, 'site'),
        '--endpoint',
        cluster.psaEndpoint,
        '--verify',
        '--gateway',
        `${cluster.kubo.gatewayUrl ?? ''}/ipfs/{cid}/`,
        '--json',
      ],
      { env: { IPFS_PIN_TOKEN: cluster.token } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ verified: true });
  }, 120_000);

  it('refuses verify with a gateway that has no place for the CID', async () => {
    const run = await runAction({
      inputs: {
        path: 'site',
        endpoint: mock.url,
        token: TOKEN,
        verify: 'true',
        gateway: 'https://gw.example/site?x=1',
      },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::INVALID_INPUT: Input `gateway`: the gateway .* has no place for the CID/,
    );
  });
});

/**
 * The committed bundle against a hostile pinning service, a fake GitHub API and the signals
 * GitHub sends to cancel a job. Each test checks the absence of the bad outcome: no workflow
 * command from service text, no secret in any form anywhere, no request to an internal
 * address, bounded memory and comment size, and after SIGTERM outputs, summary, comment and
 * the requestid present with no process and no temp dir left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFaultServer } from '../support/fault-server.js';
import { startGithubApi } from '../support/github-api.js';
import type { GithubApi } from '../support/github-api.js';
import { startHostilePsa } from '../support/hostile-psa.js';
import { startMockPsa } from '../support/mock-psa.js';
import { peerBinary } from '../support/peers.js';
import { pullRequestEvent, runAction as runActionIn } from '../support/run-action.js';
import type { ActionRun, RunSpec } from '../support/run-action.js';

const TOKEN = 'hostile-test-token-7f3a9c21e5';
const MARKER = '<!-- ipfs-pin:comment path=site -->';

let work: string;
const runAction = (spec: RunSpec): Promise<ActionRun> => runActionIn(work, spec);

const prEvent = pullRequestEvent();

/** Every form the hostile service echoed the token in (see hostile-psa.ts echoes()). */
const ECHOED = [
  TOKEN,
  encodeURIComponent(TOKEN),
  Buffer.from(TOKEN).toString('base64'),
  Buffer.from(`x${TOKEN}`).toString('base64url'),
  Buffer.from(`user:${TOKEN}`).toString('base64'),
];

/** Only our own workflow commands, each plain (no parameters a service could have set). */
function expectNoInjectedCommand(run: ActionRun): void {
  const commands = run.stdout.split(/\r?\n|\r/).filter((l) => l.trimStart().startsWith('::'));
  for (const line of commands)
    expect(line).toMatch(/^::(add-mask|group|endgroup|debug|warning|error|notice)::/);
  expect(run.stdout).not.toMatch(/(^|[\r\n])\s*::(stop-commands|warning title=X)/);
}

/** All the action said and wrote, but its own ::add-mask:: lines (they must name the secret). */
function everything(run: ActionRun, api?: GithubApi): string {
  return [
    run.lines.filter((l) => !l.startsWith('::add-mask::')).join('\n'),
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    ...(api?.comments.map((c) => c.body) ?? []),
    ...(api?.statuses.map((s) => JSON.stringify(s)) ?? []),
  ].join('\n');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-hostile-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>hello</h1>\n');
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('a hostile service on a pull request', () => {
  let api: GithubApi;
  let run: ActionRun;
  beforeAll(async () => {
    api = await startGithubApi();
    // Someone plants our marker in a comment of theirs, hoping we edit it.
    api.addComment('acme/site', 7, `${MARKER}\nmallory was here`, 'mallory');
    const hostile = await startHostilePsa({ statusOnPoll: (poll) => (poll >= 2 ? 'failed' : 'pinning') });
    try {
      run = await runAction({
        inputs: {
          path: 'site',
          endpoint: hostile.url,
          token: TOKEN,
          'github-token': 'ghs_hostile_test',
          timeout: '60s',
        },
        event: prEvent,
        githubApi: api.url,
      });
    } finally {
      await hostile.close();
      await api.stop();
    }
  }, 120_000);

  it('fails with PIN_FAILED and shows the service text as data', () => {
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs['status']).toBe('failed');
    expect(run.summary).toContain('PIN_FAILED');
  });

  it('runs no workflow command the service wrote', () => {
    expectNoInjectedCommand(run);
  });

  it('shows the token in no form, anywhere: log, summary, outputs, comment, status', () => {
    const all = everything(run, api);
    for (const form of ECHOED) expect(all).not.toContain(form);
  });

  it('puts no link, image, tag, mention, reference or escape of the service into the comment and summary', () => {
    const ours = api.comments.filter((c) => c.user.login === 'github-actions[bot]');
    expect(ours).toHaveLength(1);
    for (const text of [ours[0]?.body ?? '', run.summary]) {
      expect(text).toContain('click me'); // the text is there, as text
      expect(text).not.toMatch(/(^|[^\\])\]\(/); // brackets come escaped: no [text](url)
      expect(text).not.toContain('<img');
      expect(text).not.toContain('@octocat');
      expect(text).not.toMatch(/#1\b/);
      expect(text).not.toContain('https://evil');
      expect(text).not.toContain('\u001b');
    }
  });

  it("edits no comment of someone else's that carries the marker", () => {
    const mallory = api.comments.find((c) => c.user.login === 'mallory');
    expect(mallory?.body).toBe(`${MARKER}\nmallory was here`);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});

describe('a service that floods', () => {
  it('keeps memory, the comment and the outputs bounded under 100,000 new delegates per answer and 300 KB details', async () => {
    const api = await startGithubApi();
    let n = 0;
    const hostile = await startHostilePsa({
      delegates: () =>
        Array.from(
          { length: 100_000 },
          () =>
            `/ip4/203.0.113.${n % 250}/tcp/${4000 + (n++ % 60000)}/p2p/12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V`,
        ),
      details: () => `${'x'.repeat(150_000)} ${'@octocat '.repeat(20_000)}`,
    });
    let run: ActionRun;
    try {
      run = await runAction({
        inputs: {
          path: 'site',
          endpoint: hostile.url,
          token: TOKEN,
          'github-token': 'ghs_flood',
          timeout: '15s',
        },
        event: prEvent,
        githubApi: api.url,
      });
      expect(hostile.polls()).toBeGreaterThan(1);
    } finally {
      await hostile.close();
      await api.stop();
    }
    expect(run.code, run.stdout.slice(-2000)).toBe(1);
    expect(run.summary).toContain('PIN_TIMEOUT');
    expect(run.outputs['request-id']).toBe('hostile-1');
    // Before the bounds: 1.55 GB and a 62 MB JSON report.
    expect(run.peakRssMiB).toBeGreaterThan(0);
    expect(run.peakRssMiB).toBeLessThan(500);
    expect((run.outputs['pins'] ?? '').length).toBeLessThan(100_000);
    const comment = api.comments.find((c) => c.body.includes(MARKER));
    expect(comment).toBeDefined();
    expect(comment?.body.length).toBeLessThan(65_536);
    expect(run.stdout.length).toBeLessThan(2_000_000);
  }, 120_000);
});

describe('a service that redirects to an internal address', () => {
  it('never asks it, and nothing of its answer reaches the outputs, summary or comment', async () => {
    // Stands for 169.254.169.254: an IMDS-style server with keys to steal.
    const imds = await startFaultServer({
      handler: () => json(200, { AccessKeyId: 'AKIAIMDSSECRET', SecretAccessKey: 'imds-secret-value' }),
    });
    const api = await startGithubApi();
    const hostile = await startHostilePsa({
      redirectPollTo: `${imds.url}/latest/meta-data/iam/security-credentials/role`,
    });
    let run: ActionRun;
    try {
      run = await runAction({
        inputs: {
          path: 'site',
          endpoint: hostile.url,
          token: TOKEN,
          'github-token': 'ghs_redirect',
          timeout: '20s',
        },
        event: prEvent,
        githubApi: api.url,
      });
    } finally {
      await hostile.close();
      await api.stop();
      await imds.close();
    }
    expect(run.code).toBe(1);
    expect(imds.requests).toEqual([]);
    const all = everything(run, api);
    expect(all).not.toContain('AKIAIMDSSECRET');
    expect(all).not.toContain('imds-secret-value');
    expect(run.summary).toContain('PSA_REQUEST_FAILED');
    expect(run.summary).toContain('redirects to another origin');
  }, 60_000);
});

/** Processes whose command line names this directory (a kubo daemon's --repo-dir, say). */
function processesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo'));
}

describe('a cancelled job (GitHub sends SIGTERM, then SIGKILL after the grace)', () => {
  const cancelled = async (
    node: string | undefined,
  ): Promise<{ run: ActionRun; api: GithubApi; leftover: string[] }> => {
    const api = await startGithubApi();
    const hostile = await startHostilePsa({ statusOnPoll: () => 'queued', details: () => 'waiting in line' });
    let killTimer: NodeJS.Timeout | undefined;
    try {
      const run = await runAction({
        inputs: {
          path: 'site',
          endpoint: hostile.url,
          token: TOKEN,
          'github-token': 'ghs_cancel',
          timeout: '5m',
          ...(node === undefined ? {} : { node }),
        },
        event: prEvent,
        githubApi: api.url,
        onStdout: (out, child) => {
          if (killTimer !== undefined || !out.includes('submitted pin hostile-1')) return;
          child.kill('SIGTERM');
          // The runner's grace: what is not done by then is lost.
          killTimer = setTimeout(() => child.kill('SIGKILL'), 9_000);
        },
      });
      return { run, api, leftover: processesUsing(run.runnerTemp) };
    } finally {
      clearTimeout(killTimer);
      await hostile.close();
      await api.stop();
    }
  };

  for (const kind of ['embedded', 'kubo-binary'] as const) {
    it(`${kind}: writes outputs, summary, comment and the requestid of the pin left, and leaves no process or temp dir`, async () => {
      const { run, api, leftover } = await cancelled(kind === 'embedded' ? undefined : peerBinary('ipfs'));
      expect(run.killedBy, 'the runner had to SIGKILL it').toBeNull();
      if (kind === 'kubo-binary') expect(run.stdout).toMatch(/Started the kubo-binary IPFS node /);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /::error::ABORTED: The job was cancelled \(SIGTERM\)\. Pins left on the services .*requestid hostile-1 \(queued\)/,
      );
      expect(run.outputs['request-id']).toBe('hostile-1');
      expect(run.outputs['status']).toBe('failed');
      expect(JSON.parse(run.outputs['pins'] ?? '[]')).toMatchObject([
        { requestid: 'hostile-1', status: 'queued' },
      ]);
      expect(run.summary).toContain('ABORTED');
      expect(run.summary).toContain('hostile-1');
      const comment = api.comments.find((c) => c.body.includes(MARKER));
      expect(comment?.body).toContain('hostile-1');
      expect(api.statuses.at(-1)).toMatchObject({ state: 'failure' });
      expect(leftover).toEqual([]);
      expect(await readdir(run.runnerTemp)).toEqual([]);
    }, 120_000);
  }
});

describe('the debug log on a big site', () => {
  it('has a line per thousand files, not one per file', async () => {
    const dir = join(work, 'many');
    await mkdir(dir);
    for (let i = 0; i < 2500; i++) await writeFile(join(dir, `f${i}.txt`), `file ${i}\n`);
    const mock = await startMockPsa({ token: 'mock-token-many' });
    try {
      const run = await runAction({
        inputs: { path: 'many', endpoint: mock.url, token: 'mock-token-many', name: 'pinned-many' },
      });
      expect(run.code, run.stdout.slice(-2000)).toBe(0);
      const progress = run.lines.filter((l) => l.startsWith('::debug::Imported '));
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.length).toBeLessThanOrEqual(3);
    } finally {
      await mock.close();
    }
  }, 120_000);
});

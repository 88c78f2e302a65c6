/** What the action needs to know about the run, read from the runner's environment and event. */
export interface RunContext {
  eventName: string;
  /** owner/repo */
  repository: string;
  sha: string;
  ref: string;
  serverUrl: string;
  runId: string;
  /** Parent directory for temp files (RUNNER_TEMP). */
  tempDir?: string;
  pullRequest?: PullRequestInfo;
  /**
   * A `workflow_run` event for a pull request run whose payload does not name the PR (runs
   * from forks have `pull_requests: []`): what the PR is looked up by, through the API.
   */
  pullRequestLookup?: PullRequestLookup;
}

export interface PullRequestLookup {
  headSha: string;
  /** The head repository's owner and branch (`owner:branch` in the pulls API). */
  headOwner?: string;
  headBranch?: string;
  /** The head lives in another repository. */
  fromFork: boolean;
}

export interface PullRequestInfo {
  number: number;
  /** The PR head commit (GITHUB_SHA is the merge commit on pull_request). */
  headSha: string;
  /** The head lives in another repository: secrets are not passed to the run. */
  fromFork: boolean;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);
/** A `workflow_run` triggered by one of these is about a pull request. */
const PR_RUN_EVENTS = new Set(['pull_request', 'pull_request_target']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function readContext(env: Record<string, string | undefined>, payload: unknown): RunContext {
  const ctx: RunContext = {
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    repository: env['GITHUB_REPOSITORY'] ?? '',
    sha: env['GITHUB_SHA'] ?? '',
    ref: env['GITHUB_REF'] ?? '',
    serverUrl: (env['GITHUB_SERVER_URL'] ?? 'https://github.com').replace(/\/+$/, ''),
    runId: env['GITHUB_RUN_ID'] ?? '',
  };
  const tempDir = env['RUNNER_TEMP'];
  if (tempDir !== undefined && tempDir !== '') ctx.tempDir = tempDir;
  const pr = record(record(payload)?.['pull_request']);
  const number = pr?.['number'];
  if (PR_EVENTS.has(ctx.eventName) && pr !== undefined && typeof number === 'number') {
    const head = record(pr['head']);
    const headRepo = str(record(head?.['repo'])?.['full_name']);
    const baseRepo = str(record(record(pr['base'])?.['repo'])?.['full_name']) ?? ctx.repository;
    ctx.pullRequest = {
      number,
      headSha: str(head?.['sha']) ?? ctx.sha,
      fromFork: headRepo !== undefined && headRepo !== baseRepo,
    };
  }
  const run = record(record(payload)?.['workflow_run']);
  if (ctx.eventName === 'workflow_run' && run !== undefined && PR_RUN_EVENTS.has(str(run['event']) ?? '')) {
    const headSha = str(run['head_sha']) ?? '';
    const headRepo = record(run['head_repository']);
    const headRepoName = str(headRepo?.['full_name']);
    const baseRepoName = str(record(run['repository'])?.['full_name']) ?? ctx.repository;
    const fromFork = headRepoName !== undefined && headRepoName !== baseRepoName;
    // Listed only when the head is in this repository; a fork's run lists none.
    const listed = Array.isArray(run['pull_requests']) ? run['pull_requests'].map(record) : [];
    const pr = listed.find((p) => typeof p?.['number'] === 'number');
    if (pr !== undefined && headSha !== '') {
      ctx.pullRequest = { number: pr['number'] as number, headSha, fromFork };
    } else if (headSha !== '') {
      const owner = str(record(headRepo?.['owner'])?.['login']);
      const branch = str(run['head_branch']);
      ctx.pullRequestLookup = {
        headSha,
        fromFork,
        ...(owner === undefined ? {} : { headOwner: owner }),
        ...(branch === undefined ? {} : { headBranch: branch }),
      };
    }
  }
  return ctx;
}

export function runUrl(ctx: RunContext): string | undefined {
  if (ctx.repository === '' || ctx.runId === '') return undefined;
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}`;
}

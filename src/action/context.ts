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
}

export interface PullRequestInfo {
  number: number;
  /** The PR head commit (GITHUB_SHA is the merge commit on pull_request). */
  headSha: string;
  /** The head lives in another repository: secrets are not passed to the run. */
  fromFork: boolean;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

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
  return ctx;
}

export function runUrl(ctx: RunContext): string | undefined {
  if (ctx.repository === '' || ctx.runId === '') return undefined;
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}`;
}

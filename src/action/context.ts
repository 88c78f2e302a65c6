import { repoFromApiUrl } from './pull-match.js';
import type { PullCandidate, RepoRef, RunHead } from './pull-match.js';

/** What the action needs to know about the run, read from the runner's environment and event. */
export interface RunContext {
  eventName: string;
  /** owner/repo */
  repository: string;
  /**
   * The commit the run is about: GITHUB_SHA, or a `workflow_run`'s `head_sha` (its GITHUB_SHA
   * is the default branch's head, whatever the run built).
   */
  sha: string;
  ref: string;
  serverUrl: string;
  runId: string;
  /** Parent directory for temp files (RUNNER_TEMP). */
  tempDir?: string;
  pullRequest?: PullRequestInfo;
  /** A `workflow_run` event: what it built, for the PR to be found and checked by. */
  workflowRun?: WorkflowRunInfo;
  /**
   * Why this `workflow_run` is trusted with no name but its head's: no pull request is
   * known to be its own (or its head is another repository's). It is pinned as
   * `<owner>/<repo>@<head sha>`, with no `replace`, no cleanup, no PR comment and no status.
   */
  headOnly?: string;
}

export interface WorkflowRunInfo {
  /** The event of the run that triggered this one (pull_request, push, ...). */
  event: string;
  /** That event is about a pull request. */
  forPullRequest: boolean;
  head: RunHead;
  /** The head repository's owner and branch (`owner:branch` in the pulls API). */
  headOwner?: string;
  headBranch?: string;
  /** The head lives in another repository. */
  fromFork: boolean;
  /** `workflow_run.pull_requests`: candidates, checked like any other. */
  listed: PullCandidate[];
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

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function repoRef(id: number | undefined, fullName: string | undefined): RepoRef | undefined {
  if (id === undefined && fullName === undefined) return undefined;
  return { ...(id === undefined ? {} : { id }), ...(fullName === undefined ? {} : { fullName }) };
}

/** A repository of `workflow_run.pull_requests[]`: `{ id, url, name }`, the owner only in the url. */
function listedRepo(value: unknown): RepoRef | undefined {
  const repo = record(value);
  const url = str(repo?.['url']);
  return repoRef(num(repo?.['id']), url === undefined ? undefined : repoFromApiUrl(url));
}

function listedCandidate(value: unknown): PullCandidate | undefined {
  const pr = record(value);
  const number = num(pr?.['number']);
  if (number === undefined) return undefined;
  const head = record(pr?.['head']);
  const headRepo = listedRepo(head?.['repo']);
  const baseRepo = listedRepo(record(pr?.['base'])?.['repo']);
  return {
    number,
    headSha: str(head?.['sha']) ?? '',
    ...(headRepo === undefined ? {} : { headRepo }),
    ...(baseRepo === undefined ? {} : { baseRepo }),
  };
}

function readWorkflowRun(
  run: Record<string, unknown>,
  repository: string,
  repositoryId: number | undefined,
): WorkflowRunInfo {
  const event = str(run['event']) ?? '';
  const headSha = str(run['head_sha']) ?? '';
  const headRepoRaw = record(run['head_repository']);
  const headRepo = repoRef(num(headRepoRaw?.['id']), str(headRepoRaw?.['full_name']));
  const baseRepo: RepoRef = {
    fullName: repository,
    ...(repositoryId === undefined ? {} : { id: repositoryId }),
  };
  const owner = str(record(headRepoRaw?.['owner'])?.['login']);
  const branch = str(run['head_branch']);
  const listed = Array.isArray(run['pull_requests']) ? run['pull_requests'] : [];
  return {
    event,
    forPullRequest: PR_RUN_EVENTS.has(event),
    head: { headSha, baseRepo, ...(headRepo === undefined ? {} : { headRepo }) },
    fromFork: headRepo === undefined || !sameRepoName(headRepo, repository),
    ...(owner === undefined ? {} : { headOwner: owner }),
    ...(branch === undefined ? {} : { headBranch: branch }),
    listed: listed.map(listedCandidate).filter((c): c is PullCandidate => c !== undefined),
  };
}

function sameRepoName(repo: RepoRef, fullName: string): boolean {
  return repo.fullName?.toLowerCase() === fullName.toLowerCase();
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
  // A workflow_run whose payload could not be read is still not a push: it gets no head.
  if (ctx.eventName === 'workflow_run') {
    const id = Number(env['GITHUB_REPOSITORY_ID']);
    const repositoryId =
      Number.isSafeInteger(id) && id > 0 ? id : num(record(record(payload)?.['repository'])?.['id']);
    ctx.workflowRun = readWorkflowRun(run ?? {}, ctx.repository, repositoryId);
    ctx.sha = ctx.workflowRun.head.headSha;
  }
  return ctx;
}

export function runUrl(ctx: RunContext): string | undefined {
  if (ctx.repository === '' || ctx.runId === '') return undefined;
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}`;
}

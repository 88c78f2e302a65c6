import type { getOctokit } from '@actions/github';
import { matchPullRequest } from './pull-match.js';
import type { PullCandidate, PullMatch, RunHead } from './pull-match.js';
import { errorMessage } from '../lib/index.js';

export type Octokit = ReturnType<typeof getOctokit>;

/** A GitHub client whose every API call is bounded: a hung GitHub API must not hold the job (or a cancel) up. */
export async function octokitFor(token: string, callMs: number): Promise<Octokit> {
  const { getOctokit } = await import('@actions/github');
  return getOctokit(token, {
    request: {
      fetch: (url: string, init: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(callMs) }),
    },
  });
}

export interface Repo {
  owner: string;
  repo: string;
}

export function splitRepository(repository: string): Repo {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** The login GitHub shows on comments made with the default GITHUB_TOKEN. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Who our comments are written by: the token's own user (a personal or fine-grained token),
 * or, where the token cannot ask (`GET /user` is refused to the default GITHUB_TOKEN and
 * to app installation tokens), the GitHub Actions bot.
 */
export async function commentAuthor(octokit: Octokit): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch {
    return ACTIONS_BOT;
  }
}

/**
 * Finds our comment by its hidden marker **and** its author, and updates it, or creates
 * it: one comment per PR and path. Anyone can paste the marker into a comment of theirs;
 * such a comment is neither edited nor taken as ours.
 */
export async function upsertComment(
  octokit: Octokit,
  target: Repo & { issueNumber: number },
  marker: string,
  body: string,
  options: { create?: boolean } = {},
): Promise<{ id: number; created: boolean } | undefined> {
  const { owner, repo, issueNumber } = target;
  const author = await commentAuthor(octokit);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const existing = comments.find((c) => c.body?.includes(marker) === true && c.user?.login === author);
  if (existing !== undefined) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { id: existing.id, created: false };
  }
  if (options.create === false) return undefined;
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { id: data.id, created: true };
}

export type CommitState = 'success' | 'failure' | 'error' | 'pending';

const MAX_DESCRIPTION = 140;

export async function postCommitStatus(
  octokit: Octokit,
  target: Repo & { sha: string },
  status: { state: CommitState; description: string; targetUrl?: string },
): Promise<void> {
  const description =
    status.description.length > MAX_DESCRIPTION
      ? `${status.description.slice(0, MAX_DESCRIPTION - 1)}…`
      : status.description;
  await octokit.rest.repos.createCommitStatus({
    owner: target.owner,
    repo: target.repo,
    sha: target.sha,
    state: status.state,
    context: 'ipfs-pin',
    description,
    ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
  });
}

/** Why a GitHub API call failed, in words that say which permission to grant. */
export function describeGithubError(err: unknown, what: 'comment' | 'status'): string {
  const status = typeof err === 'object' && err !== null && 'status' in err ? err.status : undefined;
  const message = errorMessage(err);
  const permission = what === 'comment' ? 'pull-requests: write' : 'statuses: write';
  if (status === 403 || status === 404) {
    return `Could not write the ${what === 'comment' ? 'PR comment' : 'commit status'} (HTTP ${String(status)}): give the job \`permissions: ${permission}\`, or set \`${what === 'comment' ? 'comment' : 'commit-status'}: false\`.`;
  }
  return `Could not write the ${what === 'comment' ? 'PR comment' : 'commit status'}: ${message}`;
}

interface ApiRepo {
  id: number;
  full_name: string;
}

interface ApiPull {
  number: number;
  state: string;
  head: { sha: string; repo: ApiRepo | null };
  base: { repo: ApiRepo };
}

function apiCandidate(p: ApiPull): PullCandidate {
  return {
    number: p.number,
    headSha: p.head.sha,
    ...(p.head.repo === null ? {} : { headRepo: { id: p.head.repo.id, fullName: p.head.repo.full_name } }),
    baseRepo: { id: p.base.repo.id, fullName: p.base.repo.full_name },
  };
}

/**
 * The pull request a `workflow_run` was for, when its payload does not name it (fork PRs):
 * by the head repository's owner and branch, then by the head commit, each answer checked
 * by `matchPullRequest` (head commit, head repository, base repository; one PR only).
 * `state: 'open'` to pin; `'all'` to clean up after a PR closed.
 */
export async function findPullRequest(
  octokit: Octokit,
  target: Repo,
  run: RunHead & { headOwner?: string; headBranch?: string },
  options: { state: 'open' | 'all' },
): Promise<PullMatch> {
  const refused: PullMatch['refused'] = [];
  if (run.headOwner !== undefined && run.headBranch !== undefined) {
    const { data } = await octokit.rest.pulls.list({
      ...target,
      head: `${run.headOwner}:${run.headBranch}`,
      state: options.state,
      per_page: 100,
    });
    const byBranch = matchPullRequest(data.map(apiCandidate), run);
    if (byBranch.passed.length > 0) return byBranch;
    refused.push(...byBranch.refused);
  }
  // Open and merged PRs whose commits hold it (GitHub leaves out those closed unmerged).
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...target,
    commit_sha: run.headSha,
    per_page: 100,
  });
  const byCommit = matchPullRequest(
    data.filter((p) => options.state === 'all' || p.state === 'open').map(apiCandidate),
    run,
  );
  const seen = new Set(refused.map((r) => r.number));
  return { ...byCommit, refused: [...refused, ...byCommit.refused.filter((r) => !seen.has(r.number))] };
}

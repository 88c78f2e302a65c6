/**
 * Which pull request a `workflow_run` was for. Everything in a candidate comes from GitHub,
 * but a candidate is only a guess: the payload's `pull_requests` and the API's lookups list
 * PRs of other repositories, PRs stacked on the run's commit, and a maintainer's PR whose
 * head a fork copied. A PR is the run's only when its head commit, its head repository and
 * its base repository are all the run's; when none is, or more than one, there is no PR.
 */

/** A repository as GitHub names it in an event or an API answer: its id, its owner/name, or both. */
export interface RepoRef {
  id?: number;
  /** owner/name */
  fullName?: string;
}

export interface PullCandidate {
  number: number;
  headSha: string;
  /** Undefined when GitHub gives none (the head's fork was deleted). */
  headRepo?: RepoRef;
  baseRepo?: RepoRef;
}

/** What a `workflow_run` says it built, and where it runs. */
export interface RunHead {
  headSha: string;
  headRepo?: RepoRef;
  /** This repository: the PR must be opened in it. */
  baseRepo: RepoRef;
}

export interface PullMatch {
  /** The run's PR: the one candidate that passed every check. */
  pull?: PullCandidate;
  /** Every candidate that passed (more than one: it is not known which, so none is taken). */
  passed: number[];
  /** Why each other candidate was refused, for the log. */
  refused: { number: number; why: string }[];
}

function label(repo: RepoRef | undefined): string {
  return repo?.fullName ?? (repo?.id === undefined ? 'none' : `id ${String(repo.id)}`);
}

/**
 * The same repository: every identifier both sides give agrees (names without regard to
 * case, as GitHub's), and there is at least one to compare. Nothing to compare is not a match.
 */
export function sameRepo(a: RepoRef | undefined, b: RepoRef | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  let compared = false;
  if (a.id !== undefined && b.id !== undefined) {
    if (a.id !== b.id) return false;
    compared = true;
  }
  if (a.fullName !== undefined && b.fullName !== undefined) {
    if (a.fullName.toLowerCase() !== b.fullName.toLowerCase()) return false;
    compared = true;
  }
  return compared;
}

function refusal(c: PullCandidate, run: RunHead): string | undefined {
  if (run.headSha === '' || c.headSha !== run.headSha)
    return `its head is ${c.headSha.slice(0, 7) || 'unknown'}, not this run's ${run.headSha.slice(0, 7) || 'unknown'}`;
  if (!sameRepo(c.headRepo, run.headRepo))
    return `its head is in ${label(c.headRepo)}, not in this run's ${label(run.headRepo)}`;
  if (!sameRepo(c.baseRepo, run.baseRepo))
    return `its base is ${label(c.baseRepo)}, not ${label(run.baseRepo)}`;
  return undefined;
}

/** The one candidate whose head commit, head repository and base repository are the run's. */
export function matchPullRequest(candidates: Iterable<PullCandidate>, run: RunHead): PullMatch {
  const passed = new Map<number, PullCandidate>();
  const refused = new Map<number, string>();
  for (const c of candidates) {
    const why = refusal(c, run);
    if (why === undefined) passed.set(c.number, c);
    else if (!refused.has(c.number)) refused.set(c.number, why);
  }
  for (const n of passed.keys()) refused.delete(n);
  const only = passed.size === 1 ? [...passed.values()][0] : undefined;
  return {
    ...(only === undefined ? {} : { pull: only }),
    passed: [...passed.keys()],
    refused: [...refused].map(([number, why]) => ({ number, why })),
  };
}

/** The repository an API URL names (`.../repos/<owner>/<name>`), as the payload's PRs give it. */
export function repoFromApiUrl(url: string): string | undefined {
  const m = /\/repos\/([^/?#]+)\/([^/?#]+)\/?$/.exec(url);
  return m === null ? undefined : `${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`;
}

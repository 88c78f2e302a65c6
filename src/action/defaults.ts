import { MAX_NAME_BYTES, truncateUtf8 } from '../lib/index.js';
import { runUrl } from './context.js';
import type { RunContext } from './context.js';

/**
 * `<owner>/<repo>#pr-<number>` on pull requests (one name per PR, so `replace: true` keeps
 * one preview pin per PR), `<owner>/<repo>@<tag>` on tags, `<owner>/<repo>@<short sha>` otherwise.
 * A head-only `workflow_run` gets `<owner>/<repo>@<full head sha>`: 40 hex digits, so never
 * a push's name (7), even for a head a fork made to share a short sha with a commit of main.
 */
export function defaultName(ctx: RunContext): string {
  const repo = ctx.repository === '' ? 'ipfs-pin' : ctx.repository;
  if (ctx.headOnly !== undefined) return truncateUtf8(`${repo}@${ctx.sha}`, MAX_NAME_BYTES);
  if (ctx.pullRequest !== undefined)
    return truncateUtf8(`${repo}#pr-${ctx.pullRequest.number}`, MAX_NAME_BYTES);
  if (ctx.ref.startsWith('refs/tags/'))
    return truncateUtf8(`${repo}@${ctx.ref.slice('refs/tags/'.length)}`, MAX_NAME_BYTES);
  const sha = ctx.sha.slice(0, 7);
  return truncateUtf8(sha === '' ? repo : `${repo}@${sha}`, MAX_NAME_BYTES);
}

/** Always sent with the pin; the `meta` input is merged over it. */
export function defaultMeta(ctx: RunContext): Record<string, string> {
  const meta: Record<string, string> = {};
  if (ctx.repository !== '') meta['repository'] = ctx.repository;
  if (ctx.sha !== '') meta['sha'] = ctx.pullRequest?.headSha ?? ctx.sha;
  // A head-only run's GITHUB_REF is the default branch, which it did not build.
  if (ctx.ref !== '' && ctx.headOnly === undefined) meta['ref'] = ctx.ref;
  const run = runUrl(ctx);
  if (run !== undefined) meta['run_url'] = run;
  if (ctx.pullRequest !== undefined) meta['pull_request'] = String(ctx.pullRequest.number);
  return meta;
}

export const TIMEOUT_BASE_MS = 5 * 60_000;
export const TIMEOUT_CAP_MS = 60 * 60_000;
/** A service fetching from a runner over the internet: plan for 1 MiB/s. */
const PLANNED_BYTES_PER_S = 1024 * 1024;
/** Each file is at least one block round trip for the fetcher. */
const PLANNED_MS_PER_FILE = 10;

/** The wait deadline for `timeout: auto`: 5 min plus the time to move the tree at 1 MiB/s, at most 60 min. */
export function scaleTimeoutMs(tree: { bytes: number; files: number }): number {
  const ms = TIMEOUT_BASE_MS + (tree.bytes / PLANNED_BYTES_PER_S) * 1000 + tree.files * PLANNED_MS_PER_FILE;
  return Math.min(TIMEOUT_CAP_MS, Math.ceil(ms));
}

export { gatewayUrl } from '../lib/index.js';

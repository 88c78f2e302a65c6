import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { IpfsPinError, describeProgress, errorMessage, secretForms } from '../lib/index.js';
import type {
  RemovePinsOptions,
  RemovePinsResult,
  VerifyOptions,
  VerifyResult,
  PinDirectoryOptions,
  PinDirectoryResult,
  PinFlowProgressEvent,
  ImportOptions,
  ImportResult,
} from '../lib/index.js';
import { readContext, runUrl } from './context.js';
import { matchPullRequest, sameRepo } from './pull-match.js';
import type { PullMatch } from './pull-match.js';
import type { RunContext } from './context.js';
import { defaultMeta, defaultName, gatewayUrl, scaleTimeoutMs } from './defaults.js';
import { describeFailure, failureText, policyFailure, serviceFailed } from './failure.js';
import type { FailureInfo } from './failure.js';
import { formatBytes, formatMs, plural } from './format.js';
import { collectSecrets, parseInputs } from './inputs.js';
import type { ActionInputs } from './inputs.js';
import { commandSafe, createImportProgressFilter, nextPhase } from './log.js';
import type { Phase } from './log.js';
import { commentMarker, outputValues, renderComment, renderSummary, serviceRow } from './report.js';
import type { Report, ServiceRow } from './report.js';
import { createTracker } from './tracker.js';
import { measureTree } from './tree.js';

/** The library functions the action calls, loaded after the secrets are masked. */
export interface Library {
  pinDirectory(options: PinDirectoryOptions): Promise<PinDirectoryResult>;
  importDirectory(path: string, options?: ImportOptions): Promise<ImportResult>;
  removePins(options: RemovePinsOptions): Promise<RemovePinsResult>;
  verifyCid(cid: string, options: VerifyOptions): Promise<VerifyResult>;
}

const MAX_SKIPPED_NAMED = 10;

/** `core.info` for text that may hold what a service or a file name says. */
function info(text: string): void {
  core.info(commandSafe(text));
}

function readEventPayload(env: NodeJS.ProcessEnv): unknown {
  const path = env['GITHUB_EVENT_PATH'];
  if (path === undefined || path === '') return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    core.warning(`Could not read the event payload at ${path}: ${errorMessage(err)}`);
    return {};
  }
}

/** Opens a log group per phase as the events move the run forward. */
function createGroups(titles: Record<Phase, string>): {
  onEvent(event: PinFlowProgressEvent): void;
  end(): void;
} {
  let phase: Phase | undefined;
  const logImportProgress = createImportProgressFilter();
  return {
    onEvent(event) {
      const next = nextPhase(phase, event.type);
      if (next !== phase && next !== undefined) {
        if (phase !== undefined) core.endGroup();
        core.startGroup(titles[next]);
        phase = next;
      }
      if (!logImportProgress(event)) return;
      const line = describeProgress(event);
      if (line === undefined) return;
      if (line.level === 'warning') core.warning(line.text);
      else if (line.level === 'info') info(line.text);
      else core.debug(line.text);
    },
    end() {
      if (phase !== undefined) core.endGroup();
      phase = undefined;
    },
  };
}

function warnAboutContent(imported: ImportResult, path: string): void {
  const hidden = imported.skipped.filter((s) => s.reason === 'hidden');
  if (hidden.length > 0) {
    const named = hidden.slice(0, MAX_SKIPPED_NAMED).map((s) => s.path);
    const more = hidden.length > named.length ? ` and ${hidden.length - named.length} more` : '';
    core.warning(
      `Skipped ${plural(hidden.length, 'dot-file')}: ${named.join(', ')}${more}. Set \`hidden: true\` to include them (for example .well-known/).`,
    );
  }
  if (imported.files === 0) {
    core.warning(
      `${path} holds no files: the CID is an empty directory. Check that the build wrote to \`path\`.`,
    );
  }
}

function outputs(report: Report): void {
  for (const [name, value] of Object.entries(outputValues(report))) core.setOutput(name, value);
}

async function writeSummary(report: Report): Promise<void> {
  if (process.env['GITHUB_STEP_SUMMARY'] === undefined) {
    core.debug('No GITHUB_STEP_SUMMARY: not writing a job summary');
    return;
  }
  try {
    await core.summary.addRaw(renderSummary(report)).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
}

function commitState(report: Report): { state: 'success' | 'failure'; description: string } {
  const n = report.services.length;
  switch (report.outcome) {
    case 'pinned':
      return { state: 'success', description: `Pinned ${report.cid ?? ''} on ${plural(n, 'service')}` };
    case 'submitted':
      return {
        state: 'success',
        description: `Submitted ${report.cid ?? ''} to ${plural(n, 'service')} (not waiting)`,
      };
    case 'skipped':
      return { state: 'success', description: `Not pinned (no token): ${report.cid ?? ''}` };
    case 'removed':
      return {
        state: 'success',
        description: `Removed ${plural(report.removed ?? 0, 'pin')} named ${report.name}`,
      };
    case 'failed':
      return {
        state: 'failure',
        description: `${report.error?.code ?? 'Failed'}: ${report.error?.message ?? ''}`,
      };
  }
}

/** The PR comment and the commit status, on pull requests with a github-token. Never fails the run. */
async function reportToPullRequest(
  inputs: ActionInputs,
  ctx: RunContext,
  report: Report,
  apiMs: number,
): Promise<void> {
  const pr = ctx.pullRequest;
  if (pr === undefined || inputs.githubToken === undefined || (!inputs.comment && !inputs.commitStatus))
    return;
  if (report.outcome === 'skipped' && ctx.eventName !== 'workflow_run') {
    info('Pull request from a fork: its GITHUB_TOKEN is read-only, so no PR comment or commit status.');
    return;
  }
  const removal = report.outcome === 'removed' || report.removed !== undefined;
  const gh = await import('./github.js');
  const octokit = await gh.octokitFor(inputs.githubToken, apiMs);
  const repo = gh.splitRepository(ctx.repository);
  if (inputs.comment) {
    try {
      const body = renderComment(report, { ...(runUrl(ctx) === undefined ? {} : { runUrl: runUrl(ctx) }) });
      const c = await gh.upsertComment(
        octokit,
        { ...repo, issueNumber: pr.number },
        commentMarker(report.path),
        body,
        { create: !removal },
      );
      if (c === undefined) info('No ipfs-pin comment on this pull request to update');
      else info(`${c.created ? 'Created' : 'Updated'} the PR comment ${c.id}`);
    } catch (err) {
      core.warning(gh.describeGithubError(err, 'comment'));
    }
  }
  if (inputs.commitStatus && !removal) {
    try {
      await gh.postCommitStatus(
        octokit,
        { ...repo, sha: pr.headSha },
        {
          ...commitState(report),
          ...(report.url === undefined ? {} : { targetUrl: report.url }),
        },
      );
      info(`Set the commit status ipfs-pin on ${pr.headSha.slice(0, 7)}`);
    } catch (err) {
      core.warning(gh.describeGithubError(err, 'status'));
    }
  }
}

async function finish(
  inputs: ActionInputs,
  ctx: RunContext,
  report: Report,
  signal?: AbortSignal,
): Promise<void> {
  outputs(report);
  await writeSummary(report);
  // After a cancel the runner kills us within seconds: the GitHub calls get little time.
  await reportToPullRequest(inputs, ctx, report, signal?.aborted === true ? CANCELLED_API_MS : API_MS);
}

/** Time for each GitHub API call (the comment, the status). */
const API_MS = 30_000;
const CANCELLED_API_MS = 3_000;

/** Why the run stopped: the signal GitHub sent to cancel the job. */
export class CancelledError extends Error {
  readonly signalName: string;
  constructor(signalName: string) {
    super(`the job was cancelled (${signalName})`);
    this.name = 'CancelledError';
    this.signalName = signalName;
  }
}

/** ABORTED, naming every pin the run leaves on the services (they are not deleted). */
function cancelledFailure(signal: AbortSignal, services: ServiceRow[]): FailureInfo {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : 'the run was cancelled';
  const left = services.filter((s) => s.requestid !== undefined);
  const pins =
    left.length === 0
      ? 'No pin had been submitted yet.'
      : `Pins left on the services (not deleted; they may still finish): ${left.map((s) => `${s.service} requestid ${s.requestid ?? ''} (${s.status})`).join('; ')}.`;
  return {
    code: 'ABORTED',
    message: `${why[0]?.toUpperCase() ?? ''}${why.slice(1)}. ${pins}`,
    hint: 'Re-run the job: it finds and reuses a pin of the same CID, or remove the pins with `ipfs-pin rm`.',
  };
}

function baseReport(inputs: ActionInputs, ctx: RunContext, name: string): Report {
  return {
    outcome: 'failed',
    path: inputs.path,
    name,
    profile: inputs.profile,
    skipped: [],
    services: [],
    ...(ctx.headOnly === undefined || inputs.cleanup
      ? {}
      : {
          note: `No pull request matched this workflow_run (${ctx.headOnly}): ${headOnlyEffect(inputs, name)}.`,
        }),
    ...(ctx.sha === '' ? {} : { sha: ctx.pullRequest?.headSha ?? ctx.sha }),
  };
}

function withImport(report: Report, imported: ImportResult | undefined, gateway: string): Report {
  if (imported === undefined) return report;
  const cid = imported.cid.toString();
  return {
    ...report,
    cid,
    url: gatewayUrl(gateway, cid),
    tree: { files: imported.files, directories: imported.directories, bytes: imported.bytes },
    skipped: imported.skipped,
    ...(imported.car === undefined ? {} : { carPath: imported.car }),
  };
}

async function computeOnly(
  lib: Library,
  inputs: ActionInputs,
  ctx: RunContext,
  name: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const groups = createGroups({ import: `Import ${inputs.path} (not pinning)`, pin: 'Pin', wait: 'Wait' });
  let imported: ImportResult;
  try {
    imported = await lib.importDirectory(inputs.path, {
      profile: inputs.profile,
      hidden: inputs.hidden,
      ignore: inputs.ignore,
      ...(inputs.car === undefined ? {} : { car: inputs.car }),
      onProgress: (e) => groups.onEvent(e),
      ...(signal === undefined ? {} : { signal }),
    });
  } finally {
    groups.end();
  }
  const cid = imported.cid.toString();
  const note =
    'Pull request from a fork without a pinning token (secrets are not passed to forks): the CID was computed but not pinned.';
  core.notice(`${note} CID: ${cid}`);
  warnAboutContent(imported, inputs.path);
  await finish(inputs, ctx, {
    ...withImport(baseReport(inputs, ctx, name), imported, inputs.gateway),
    outcome: 'skipped',
    note,
  });
}

async function pin(
  lib: Library,
  inputs: ActionInputs,
  ctx: RunContext,
  name: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timeoutMs: number;
  if (inputs.timeoutMs === 'auto') {
    const tree = await measureTree(inputs.path);
    timeoutMs = scaleTimeoutMs(tree);
    info(
      `Waiting up to ${formatMs(timeoutMs)} for ${plural(tree.files, 'file')} (${formatBytes(tree.bytes)}); set \`timeout\` to change it`,
    );
  } else timeoutMs = inputs.timeoutMs;

  const tracker = createTracker();
  const n = inputs.services.length;
  const groups = createGroups({
    import: `Import ${inputs.path}`,
    pin: `Pin on ${plural(n, 'service')}`,
    wait: inputs.wait ? 'Wait until pinned' : 'Submitted',
  });
  const report = baseReport(inputs, ctx, name);
  let result: PinDirectoryResult;
  try {
    result = await lib.pinDirectory({
      path: inputs.path,
      services: inputs.services,
      name,
      meta: { ...defaultMeta(ctx), ...inputs.meta },
      profile: inputs.profile,
      hidden: inputs.hidden,
      ignore: inputs.ignore,
      timeoutMs,
      wait: inputs.wait,
      policy: inputs.policy,
      replace: inputs.replace && ctx.headOnly === undefined,
      nodeOptions: { ...inputs.node, ...(ctx.tempDir === undefined ? {} : { tempDir: ctx.tempDir }) },
      ...(inputs.car === undefined ? {} : { car: inputs.car }),
      ...(signal === undefined ? {} : { signal }),
      onProgress: (e) => {
        tracker.onEvent(e);
        groups.onEvent(e);
      },
    });
  } catch (err) {
    groups.end();
    const services = tracker.services();
    const failure = signal?.aborted === true ? cancelledFailure(signal, services) : describeFailure(err);
    if (tracker.imported !== undefined) warnAboutContent(tracker.imported, inputs.path);
    await finish(
      inputs,
      ctx,
      {
        ...withImport(report, tracker.imported, inputs.gateway),
        services,
        error: failure,
      },
      signal,
    );
    throw new ReportedFailure(failure);
  }
  groups.end();
  warnAboutContent(result.import, inputs.path);
  const done: Report = {
    ...withImport(report, result.import, inputs.gateway),
    cid: result.cid,
    url: gatewayUrl(inputs.gateway, result.cid),
    services: result.services.map(serviceRow),
    outcome: inputs.wait ? 'pinned' : 'submitted',
  };
  if (!result.ok) {
    const failure = policyFailure(result.services, inputs.policy, inputs.wait);
    await finish(inputs, ctx, { ...done, outcome: 'failed', error: failure });
    throw new ReportedFailure(failure);
  }
  for (const s of result.services.filter((r) => serviceFailed(r, inputs.wait))) {
    core.warning(
      `${s.service}: ${s.error === undefined ? s.status : `${s.error.code}: ${s.error.message}`} (the policy ${String(inputs.policy)} was met without it)`,
    );
  }
  info(`${done.outcome === 'pinned' ? 'Pinned' : 'Submitted'} ${result.cid}: ${done.url ?? ''}`);
  if (inputs.verify) {
    const verified = await verifyLink(lib, inputs, result.cid, result.import.dag, signal);
    if (verified.error !== undefined) {
      const failed: Report = { ...done, outcome: 'failed', verified: false, error: verified.error };
      await finish(inputs, ctx, failed, signal);
      throw new ReportedFailure(verified.error);
    }
    done.verified = true;
  }
  await finish(inputs, ctx, done);
}

/** Fetches the pinned CID from the gateway as a trustless CAR and checks it block by block. */
async function verifyLink(
  lib: Library,
  inputs: ActionInputs,
  cid: string,
  dag: { blocks: number; bytes: number },
  signal: AbortSignal | undefined,
): Promise<{ error?: FailureInfo }> {
  core.startGroup(`Verify ${gatewayUrl(inputs.gateway, cid)}`);
  try {
    const r = await lib.verifyCid(cid, {
      gateway: inputs.gateway,
      timeoutMs: inputs.verifyTimeoutMs,
      // No more than the import made: a gateway streaming without end fails, not the runner.
      dag,
      ...(signal === undefined ? {} : { signal }),
      onProgress: (e) => {
        if (e.type === 'verify:attempt:failed')
          info(`Attempt ${e.detail.attempt}: ${e.detail.reason}; again in ${formatMs(e.detail.retryInMs)}`);
      },
    });
    info(
      `Verified: the gateway served all ${plural(r.blocks, 'block')} (${formatBytes(r.bytes)}), each matching its CID, in ${formatMs(r.ms)}`,
    );
    return {};
  } catch (err) {
    return { error: describeFailure(err) };
  } finally {
    core.endGroup();
  }
}

/**
 * `cleanup: true`: removes every pin named `name` (by default the event's, such as the PR's
 * `<owner>/<repo>#pr-<n>` when it closes) on every service, with no import and no node.
 * On a PR the ipfs-pin comment says the preview was removed; no commit status is set.
 */
async function cleanup(
  lib: Library,
  inputs: ActionInputs,
  ctx: RunContext,
  signal: AbortSignal | undefined,
): Promise<void> {
  const name = inputs.name ?? (ctx.pullRequest === undefined ? undefined : defaultName(ctx));
  if (name === undefined) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `\`cleanup: true\` needs the name of the pins to remove: set \`name\`, or run it on a pull_request event (or a workflow_run of one), whose default name is <owner>/<repo>#pr-<number>. This ${ctx.eventName || 'event'} gives none.`,
    );
  }
  if (inputs.services.length === 0) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      'No pinning service to clean up: set `endpoint` and `token`, or `services`.',
    );
  }
  core.startGroup(`Remove the pins named ${name}`);
  let result: RemovePinsResult;
  try {
    result = await lib.removePins({
      name,
      services: inputs.services,
      ...(signal === undefined ? {} : { signal }),
      onProgress: (e) => {
        if (e.type === 'remove:pin:done')
          info(`${e.detail.service}: removed ${e.detail.requestid} (${e.detail.status})`);
        if (e.type === 'remove:service:done' && e.detail.error !== undefined)
          core.warning(`${e.detail.service}: ${e.detail.error.code}: ${e.detail.error.message}`);
      },
    });
  } finally {
    core.endGroup();
  }
  const report: Report = {
    ...baseReport(inputs, ctx, name),
    outcome: 'removed',
    removed: result.removed,
    services: result.services.map((s) => ({
      service: s.service,
      endpoint: s.endpoint,
      status: s.error === undefined ? `removed ${s.removed.length}` : 'failed',
      ...(s.error === undefined ? {} : { error: { code: s.error.code, message: s.error.message } }),
    })),
  };
  info(
    `Removed ${plural(result.removed, 'pin')} named ${name} from ${plural(result.services.length, 'service')}`,
  );
  if (!result.ok) {
    const failed = result.services.filter((s) => s.error !== undefined);
    const failure = describeFailure(
      new IpfsPinError(
        'CLEANUP_FAILED',
        `${failed.length} of ${result.services.length} services could not remove the pins named ${name}: ${failed.map((s) => `${s.service}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`).join('; ')}`,
      ),
    );
    await finish(inputs, ctx, { ...report, outcome: 'failed', error: failure }, signal);
    throw new ReportedFailure(failure);
  }
  await finish(inputs, ctx, report, signal);
}

/** What a head-only run does, for the warning and the summary. */
function headOnlyEffect(inputs: ActionInputs, name: string): string {
  if (inputs.cleanup) return 'nothing is removed';
  const unused = inputs.name === undefined ? '' : '; the `name` input is not used';
  return `it is pinned as ${name}, with no \`replace\`, no PR comment and no commit status${unused}`;
}

/** The run trusted with its head's name only (see RunContext.headOnly). */
function headOnly(inputs: ActionInputs, ctx: RunContext, why: string): RunContext {
  const { pullRequest: _dropped, ...rest } = ctx;
  const trusted: RunContext = { ...rest, headOnly: why };
  core.warning(
    `No pull request matched this workflow_run (head ${ctx.sha.slice(0, 7) || 'unknown'}): ${why}. So ${headOnlyEffect(inputs, defaultName(trusted))}.`,
  );
  return trusted;
}

/**
 * A `workflow_run` is trusted only as far as GitHub vouches for what it built. For a pull
 * request run, the PR is the one of the payload's `pull_requests`, or else found through
 * the API (by the head branch, then by the head commit; closed ones too for a cleanup),
 * whose head commit, head repository and base repository are the run's. None such (or no
 * token, or an API error), or a run of another event whose head is another repository's:
 * the run is head-only, never taken for a push of the default branch (GITHUB_SHA).
 */
async function resolveWorkflowRun(inputs: ActionInputs, ctx: RunContext): Promise<RunContext> {
  const run = ctx.workflowRun;
  if (run === undefined) return ctx;
  if (!run.forPullRequest) {
    if (sameRepo(run.head.headRepo, run.head.baseRepo)) return ctx;
    const why =
      run.head.headRepo === undefined
        ? 'its payload names no head repository'
        : `it built a ${run.event || 'run'} of another repository`;
    return headOnly(inputs, ctx, why);
  }
  const reportRefused = (refused: PullMatch['refused']): void => {
    for (const r of refused) info(`Not pull request #${r.number}: ${r.why}`);
  };
  const found = (match: PullMatch): RunContext | undefined => {
    if (match.pull === undefined) return undefined;
    const number = match.pull.number;
    info(`This workflow_run is for pull request #${number}${run.fromFork ? ' (from a fork)' : ''}`);
    return { ...ctx, pullRequest: { number, headSha: run.head.headSha, fromFork: run.fromFork } };
  };
  const ambiguous = (match: PullMatch): string =>
    `pull requests ${match.passed.map((n) => `#${n}`).join(', ')} all have its head, and it is not known which one it was for`;

  const listed = matchPullRequest(run.listed, run.head);
  reportRefused(listed.refused);
  const fromPayload = found(listed);
  if (fromPayload !== undefined) return fromPayload;
  if (listed.passed.length > 1) return headOnly(inputs, ctx, ambiguous(listed));
  if (inputs.githubToken === undefined) {
    return headOnly(inputs, ctx, 'without `github-token` its pull request cannot be looked up');
  }
  let match: PullMatch;
  try {
    const gh = await import('./github.js');
    const octokit = await gh.octokitFor(inputs.githubToken, API_MS);
    const lookup = {
      ...run.head,
      ...(run.headOwner === undefined ? {} : { headOwner: run.headOwner }),
      ...(run.headBranch === undefined ? {} : { headBranch: run.headBranch }),
    };
    match = await gh.findPullRequest(octokit, gh.splitRepository(ctx.repository), lookup, {
      state: inputs.cleanup ? 'all' : 'open',
    });
  } catch (err) {
    return headOnly(inputs, ctx, `its pull request could not be looked up (${errorMessage(err)})`);
  }
  reportRefused(match.refused);
  const fromApi = found(match);
  if (fromApi !== undefined) return fromApi;
  if (match.passed.length > 1) return headOnly(inputs, ctx, ambiguous(match));
  return headOnly(
    inputs,
    ctx,
    `no ${inputs.cleanup ? '' : 'open '}pull request of ${ctx.repository} has its head commit in its head repository`,
  );
}

/** A failure already put in the outputs, summary and comment: only setFailed is left. */
class ReportedFailure extends Error {
  readonly info: FailureInfo;
  constructor(info: FailureInfo) {
    super(info.message);
    this.info = info;
  }
}

/** The action: inputs -> library -> outputs, summary, PR comment and status. Never throws. */
export async function run(
  loadLibrary: () => Promise<Library>,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): Promise<void> {
  try {
    // Before anything else can print: a token must never reach the log unmasked.
    // Every form a token could be echoed in: raw, trimmed, URL-encoded, base64, JSON-escaped.
    for (const secret of collectSecrets((name) => core.getInput(name)))
      for (const form of new Set([secret, ...secretForms(secret)])) core.setSecret(form);

    const inputs = parseInputs((name) => core.getInput(name));
    if (inputs.verify && !inputs.wait)
      throw new IpfsPinError(
        'INVALID_INPUT',
        '`verify: true` checks the gateway after `pinned`: it needs `wait: true`.',
      );
    const ctx = await resolveWorkflowRun(inputs, readContext(env, readEventPayload(env)));
    const lib = await loadLibrary();
    if (inputs.cleanup && ctx.headOnly !== undefined) {
      await finish(inputs, ctx, {
        ...baseReport(inputs, ctx, inputs.name ?? defaultName(ctx)),
        outcome: 'skipped',
        note: `No pull request matched this workflow_run (${ctx.headOnly}): nothing is removed.`,
      });
      return;
    }
    if (inputs.cleanup) {
      await cleanup(lib, inputs, ctx, signal);
      return;
    }
    if (ctx.headOnly !== undefined && ctx.sha === '') {
      throw new IpfsPinError(
        'INVALID_INPUT',
        'This workflow_run has no pull request of its own and its payload gives no `head_sha` to name the pin after: nothing was pinned. Check the `on: workflow_run` trigger of this workflow.',
      );
    }
    const name = ctx.headOnly === undefined ? (inputs.name ?? defaultName(ctx)) : defaultName(ctx);

    const hasToken = inputs.services.some((s) => s.token !== undefined);
    if (ctx.pullRequest?.fromFork === true && !hasToken) {
      await computeOnly(lib, inputs, ctx, name, signal);
      return;
    }
    if (inputs.services.length === 0) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        'No pinning service: set `endpoint` and `token`, or `services` with one `<endpoint>|<token>` per line.',
      );
    }
    await pin(lib, inputs, ctx, name, signal);
  } catch (err) {
    core.setFailed(failureText(err instanceof ReportedFailure ? err.info : describeFailure(err)));
  }
}

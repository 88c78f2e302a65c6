import type { ServiceResult, ProfileName, SkippedEntry } from '../lib/index.js';
import { escapeCell, formatBytes, formatMs, markdownText, plural } from './format.js';

/**
 * Everything the summary, the PR comment and the outputs say about one run. Built from the
 * library's result (or from what the progress events told before a failure); holds no token.
 */
export interface Report {
  /**
   * pinned: the policy was met; submitted: wait: false; skipped: fork PR without a token;
   * removed: `cleanup: true` removed the pins of the name.
   */
  outcome: 'pinned' | 'submitted' | 'skipped' | 'failed' | 'removed';
  /** The CAR file written (absolute path), with `car`. */
  carPath?: string;
  /** With `verify: true`: whether the gateway served the whole DAG, checked block by block. */
  verified?: boolean;
  /** With `cleanup: true`: how many pins were removed. */
  removed?: number;
  path: string;
  name: string;
  profile: ProfileName;
  cid?: string;
  url?: string;
  tree?: { files: number; directories: number; bytes: number };
  skipped: SkippedEntry[];
  services: ServiceRow[];
  error?: { code: string; message: string; hint?: string };
  /** Short words on why the outcome is what it is (the fork notice, for instance). */
  note?: string;
  /** The commit the run is for (the PR head on pull requests). */
  sha?: string;
}

export interface ServiceRow {
  service: string;
  endpoint: string;
  status: string;
  requestid?: string;
  ms?: number;
  reused?: boolean;
  details?: string;
  error?: { code: string; message: string };
  /** How the service got the data: upload, bitswap, or both. */
  delivery?: 'upload' | 'bitswap' | 'both';
  /** The CAR upload, when the service has one. */
  upload?: {
    kind: string;
    origin: string;
    ok: boolean;
    ms: number;
    bytes: number;
    error?: { code: string; message: string };
  };
}

export function serviceRow(r: ServiceResult): ServiceRow {
  return {
    service: r.service,
    endpoint: r.endpoint,
    status: r.status,
    ...(r.requestid === undefined ? {} : { requestid: r.requestid }),
    ms: r.ms,
    reused: r.reused,
    ...(r.details === undefined ? {} : { details: r.details }),
    ...(r.error === undefined ? {} : { error: { code: r.error.code, message: r.error.message } }),
    ...(r.delivery === undefined ? {} : { delivery: r.delivery }),
    ...(r.upload === undefined
      ? {}
      : {
          upload: {
            kind: r.upload.kind,
            origin: r.upload.origin,
            ok: r.upload.ok,
            ms: r.upload.ms,
            bytes: r.upload.bytes,
            ...(r.upload.error === undefined
              ? {}
              : { error: { code: r.upload.error.code, message: r.upload.error.message } }),
          },
        }),
  };
}

const DELIVERY_TEXT = { upload: 'by upload', bitswap: 'by bitswap', both: 'by upload and bitswap' } as const;

/** The `status` output. */
export function overallStatus(report: Report): string {
  if (
    report.outcome === 'pinned' ||
    report.outcome === 'skipped' ||
    report.outcome === 'failed' ||
    report.outcome === 'removed'
  )
    return report.outcome;
  return report.services[0]?.status ?? 'queued';
}

/** Every output of the action (action.yml lists the same names). */
export function outputValues(report: Report): Record<string, string> {
  return {
    cid: report.cid ?? '',
    'request-id': report.services[0]?.requestid ?? '',
    status: overallStatus(report),
    url: report.url ?? '',
    pins: pinsOutput(report),
    profile: report.profile,
    'car-path': report.carPath ?? '',
    verified: report.verified === undefined ? '' : String(report.verified),
    removed: report.removed === undefined ? '' : String(report.removed),
  };
}

/** The `pins` output: one object per service, in input order. */
export function pinsOutput(report: Report): string {
  return JSON.stringify(report.services);
}

const OUTCOME_TITLE: Record<Report['outcome'], string> = {
  pinned: 'Pinned',
  submitted: 'Submitted',
  skipped: 'Not pinned',
  failed: 'Failed',
  removed: 'Preview removed',
};

const MAX_SKIPPED_LISTED = 50;

function code(text: string): string {
  return `<code>${escapeCell(text)}</code>`;
}

/** How much of what a service says goes into a comment or summary (the `pins` output has it all). */
const MAX_DETAILS = 300;
const MAX_MESSAGE = 500;
const MAX_ID = 100;
/** GitHub refuses comment bodies over 65,536 characters. */
export const MAX_COMMENT_CHARS = 60_000;

function servicesTable(report: Report): string[] {
  if (report.services.length === 0) return [];
  // The content's size is in the facts above: it is the same for every service.
  const lines = ['| Service | Status | Request ID | Time |', '| --- | --- | --- | --- |'];
  for (const s of report.services) {
    const status = [
      markdownText(s.status, 64),
      s.reused === true && s.delivery !== 'upload' && s.delivery !== 'both' ? '(existing pin)' : '',
      s.delivery === undefined ? '' : `(${DELIVERY_TEXT[s.delivery]})`,
      s.upload !== undefined && !s.upload.ok
        ? `(upload failed: ${markdownText(s.upload.error?.code ?? '', 64)})`
        : '',
      markdownText(s.details ?? '', MAX_DETAILS),
      markdownText(s.error?.code ?? '', 64),
    ]
      .filter((x) => x !== '')
      .join(' ');
    lines.push(
      `| ${markdownText(s.service, 100)} | ${status} | ${s.requestid === undefined ? '' : `<code>${markdownText(s.requestid, MAX_ID)}</code>`} | ${s.ms === undefined ? '' : formatMs(s.ms)} |`,
    );
  }
  return ['', ...lines];
}

function skippedBlock(report: Report): string[] {
  if (report.skipped.length === 0) return [];
  const hidden = report.skipped.filter((s) => s.reason === 'hidden').length;
  const listed = report.skipped
    .slice(0, MAX_SKIPPED_LISTED)
    .map((s) => `<li>${code(s.path)}: ${escapeCell(s.detail ?? s.reason)}</li>`);
  const more = report.skipped.length - listed.length;
  return [
    '',
    `<details><summary>Skipped ${plural(report.skipped.length, 'entry', 'entries')}${hidden > 0 ? ` (${hidden} dot-files: set <code>hidden: true</code> to include them)` : ''}</summary>`,
    '',
    `<ul>${listed.join('')}${more > 0 ? `<li>and ${more} more</li>` : ''}</ul>`,
    '</details>',
  ];
}

function facts(report: Report): string[] {
  const lines: string[] = [];
  if (report.cid !== undefined) lines.push(`- **CID:** ${code(report.cid)}`);
  if (report.url !== undefined && report.cid !== undefined) {
    lines.push(`- **Gateway:** <a href="${escapeCell(report.url)}">${escapeCell(report.url)}</a>`);
    lines.push(`- **IPFS URI:** ${code(`ipfs://${report.cid}`)}`);
  }
  lines.push(`- **Name:** ${code(report.name)}`);
  lines.push(`- **Profile:** ${code(report.profile)}`);
  if (report.removed !== undefined)
    lines.push(`- **Removed:** ${plural(report.removed, 'pin')} named ${code(report.name)}`);
  if (report.verified !== undefined)
    lines.push(
      report.verified
        ? '- **Verified:** yes: the gateway served the whole DAG, every block matching its CID'
        : '- **Verified:** no: the gateway did not serve the whole DAG in time (the pin stays)',
    );
  if (report.carPath !== undefined) lines.push(`- **CAR:** ${code(report.carPath)}`);
  if (report.tree !== undefined) {
    lines.push(
      `- **Content:** ${plural(report.tree.files, 'file')} in ${plural(report.tree.directories, 'directory', 'directories')}, ${formatBytes(report.tree.bytes)} from ${code(report.path)}`,
    );
  }
  return lines;
}

function errorBlock(report: Report): string[] {
  if (report.error === undefined) return [];
  const e = report.error;
  return [
    '',
    `> **${markdownText(e.code, 64)}:** ${markdownText(e.message, MAX_MESSAGE)}`,
    ...(e.hint === undefined ? [] : ['>', `> ${markdownText(e.hint, MAX_MESSAGE)}`]),
  ];
}

/** The job summary (Markdown with a little HTML, as GitHub renders it). */
export function renderSummary(report: Report): string {
  return [
    `## ipfs-pin: ${OUTCOME_TITLE[report.outcome]}`,
    '',
    ...(report.note === undefined ? [] : [escapeCell(report.note), '']),
    ...facts(report),
    ...errorBlock(report),
    ...servicesTable(report),
    ...skippedBlock(report),
    '',
  ].join('\n');
}

/** What every marker of ours starts with: `cleanup` without a `path` finds any of them. */
export const COMMENT_MARKER_PREFIX = '<!-- ipfs-pin:comment path=';

/** The hidden marker that finds our PR comment again. One comment per pinned path. */
export function commentMarker(path: string): string {
  if (path === '') return COMMENT_MARKER_PREFIX;
  const key = path.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- ipfs-pin:comment path=${key} -->`;
}

/** The PR comment: the marker, then the same facts as the summary, for the PR head commit. */
export function renderComment(report: Report, options: { runUrl?: string } = {}): string {
  const link = report.url !== undefined && report.outcome !== 'failed' && report.outcome !== 'removed';
  const lines = [
    report.path === '' ? `${COMMENT_MARKER_PREFIX} -->` : commentMarker(report.path),
    `### ipfs-pin: ${OUTCOME_TITLE[report.outcome]}${link ? ` — <a href="${escapeCell(report.url ?? '')}">preview</a>` : ''}`,
    '',
    ...(report.note === undefined ? [] : [escapeCell(report.note), '']),
    ...facts(report),
    ...errorBlock(report),
    ...servicesTable(report),
    '',
    `<sub>${report.sha === undefined ? '' : `Commit ${code(report.sha.slice(0, 7))}. `}${options.runUrl === undefined ? '' : `<a href="${escapeCell(options.runUrl)}">Workflow run</a>. `}Updated in place by ipfs-pin on every push.</sub>`,
    '',
  ];
  const body = lines.join('\n');
  return body.length <= MAX_COMMENT_CHARS
    ? body
    : `${body.slice(0, MAX_COMMENT_CHARS)}\n\n(cut to ${MAX_COMMENT_CHARS} characters: the job summary and the \`pins\` output have the rest)\n`;
}

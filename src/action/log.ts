import type { PinFlowProgressEvent } from '../lib/index.js';
import { formatBytes, formatMs, plural } from './format.js';

export type Phase = 'import' | 'pin' | 'wait';

export const PHASE_ORDER: readonly Phase[] = ['import', 'pin', 'wait'];

export interface LogLine {
  level: 'info' | 'debug' | 'warning';
  text: string;
}

/** The phase an event starts; undefined for events that belong to whatever phase is on. */
export function phaseOf(type: string): Phase | undefined {
  if (type.startsWith('unixfs:') || type === 'pin:import:done' || type === 'node:start:done') return 'import';
  // Service requests start after the import: the first ones look for an existing pin.
  if (
    type === 'pin:existing:found' ||
    type === 'pin:submit:done' ||
    type.startsWith('psa:') ||
    type.startsWith('pin:upload:') ||
    type.startsWith('upload:')
  )
    return 'pin';
  if (type.startsWith('pin:status:') || type === 'pin:delegate:dialled' || type === 'pin:service:done')
    return 'wait';
  return undefined;
}

/** Phases only move forward: a late event of an earlier phase stays in the current group. */
export function nextPhase(current: Phase | undefined, type: string): Phase | undefined {
  const p = phaseOf(type);
  if (p === undefined) return current;
  if (current === undefined) return p;
  return PHASE_ORDER.indexOf(p) > PHASE_ORDER.indexOf(current) ? p : current;
}

/** Import progress goes to the debug log once per this many files (and at the end). */
export const IMPORT_PROGRESS_EVERY = 1000;

/**
 * Keeps the debug log to a line per {@link IMPORT_PROGRESS_EVERY} imported files (the
 * importer reports every file: 20,000 lines for a 20,000-file site otherwise) and the last.
 */
export function createImportProgressFilter(): (event: PinFlowProgressEvent) => boolean {
  let next = IMPORT_PROGRESS_EVERY;
  let ended = false;
  return (event) => {
    if (event.type !== 'unixfs:import:progress') return true;
    const { files, totalFiles } = event.detail;
    const last = totalFiles !== undefined && files >= totalFiles;
    if (ended || (files < next && !last)) return false;
    next = (Math.floor(files / IMPORT_PROGRESS_EVERY) + 1) * IMPORT_PROGRESS_EVERY;
    ended = last;
    return true;
  };
}

/** What the log says about one library progress event; undefined: nothing. */
export function describeEvent(event: PinFlowProgressEvent): LogLine | undefined {
  switch (event.type) {
    case 'unixfs:walk:done': {
      const d = event.detail;
      return {
        level: 'info',
        text: `Found ${plural(d.files, 'file')} in ${plural(d.directories, 'directory', 'directories')}${d.symlinks > 0 ? ` and ${plural(d.symlinks, 'symlink')}` : ''}, ${formatBytes(d.bytes)}`,
      };
    }
    case 'unixfs:import:progress': {
      const d = event.detail;
      const of = d.totalBytes === undefined ? '' : ` of ${formatBytes(d.totalBytes)}`;
      return { level: 'debug', text: `Imported ${plural(d.files, 'file')}, ${formatBytes(d.bytes)}${of}` };
    }
    case 'unixfs:import:done':
      return undefined; // pin:import:done says the same, with the CID the pin uses
    case 'pin:import:done': {
      const d = event.detail;
      return {
        level: 'info',
        text: `Imported ${plural(d.files, 'file')}, ${formatBytes(d.bytes)} with profile ${d.profile}: ${d.cid.toString()}`,
      };
    }
    case 'node:start:done': {
      const d = event.detail;
      return { level: 'info', text: `Started the ${d.kind} IPFS node ${d.peerId} in ${formatMs(d.ms)}` };
    }
    case 'node:dial:done': {
      const d = event.detail;
      return {
        level: 'debug',
        text: `Dial ${d.multiaddr}: ${d.ok ? 'connected' : `failed (${d.error ?? 'unknown'})`} in ${formatMs(d.ms)}`,
      };
    }
    case 'node:peer:disconnected':
      return { level: 'info', text: `Lost the connection to delegate ${event.detail.peerId}: re-dialling` };
    case 'node:peer:reconnected':
      return { level: 'info', text: `Reconnected to delegate ${event.detail.peerId}` };
    case 'node:blocks:served': {
      const d = event.detail;
      return {
        level: 'debug',
        text: `Served ${plural(d.blocksServed, 'block')} (${formatBytes(d.bytesServed)}) to ${plural(d.peers, 'peer')}`,
      };
    }
    case 'psa:request:retry': {
      const d = event.detail;
      return {
        level: 'info',
        text: `${d.method} ${d.path}: ${d.status === undefined ? d.code : `HTTP ${d.status} (${d.code})`}, attempt ${d.attempt}, retrying in ${formatMs(d.delayMs)}`,
      };
    }
    case 'psa:request:done': {
      const d = event.detail;
      return { level: 'debug', text: `${d.method} ${d.path}: HTTP ${d.status} in ${formatMs(d.ms)}` };
    }
    case 'pin:existing:found': {
      const d = event.detail;
      return { level: 'info', text: `${d.service}: found an existing pin ${d.requestid} (${d.status})` };
    }
    case 'pin:submit:done': {
      const d = event.detail;
      return {
        level: 'info',
        text: `${d.service}: submitted, request ${d.requestid} is ${d.status}${d.withOrigins ? '' : ' (sent without origins)'}`,
      };
    }
    case 'pin:status:changed': {
      const d = event.detail;
      return {
        level: 'info',
        text: `${d.service}: ${d.status}${d.details === undefined ? '' : ` (${d.details})`}`,
      };
    }
    case 'pin:status:unknown': {
      const d = event.detail;
      return {
        level: 'warning',
        text: `${d.service}: answered status '${d.status}', which the Pinning Service API does not define; still waiting`,
      };
    }
    case 'pin:delegate:dialled': {
      const d = event.detail;
      return d.ok
        ? { level: 'info', text: `${d.service}: connected to delegate ${d.multiaddr} in ${formatMs(d.ms)}` }
        : {
            level: 'debug',
            text: `${d.service}: could not dial delegate ${d.multiaddr}: ${d.error ?? 'unknown error'}`,
          };
    }
    case 'pin:service:done': {
      const d = event.detail;
      const why =
        d.error === undefined
          ? d.details === undefined
            ? ''
            : ` (${d.details})`
          : `: ${d.error.code} ${d.error.message}`;
      const via =
        d.delivery === undefined
          ? ''
          : ` (delivered by ${d.delivery === 'both' ? 'upload and bitswap' : d.delivery})`;
      return { level: 'info', text: `${d.service}: ${d.status}${via} after ${formatMs(d.ms)}${why}` };
    }
    case 'pin:upload:start': {
      const d = event.detail;
      return {
        level: 'info',
        text: `${d.service}: uploading the CAR (${formatBytes(d.bytes)}) to ${d.kind} at ${d.origin}`,
      };
    }
    case 'upload:bytes:sent': {
      const d = event.detail;
      return {
        level: 'debug',
        text: `${d.service}: ${formatBytes(d.bytes)} of ${formatBytes(d.total)} sent`,
      };
    }
    case 'pin:upload:done': {
      const d = event.detail;
      return {
        level: 'info',
        text: `${d.service}: upload done in ${formatMs(d.ms)}, the ${d.kind} has root ${d.root}`,
      };
    }
    case 'pin:upload:failed': {
      const d = event.detail;
      return {
        level: 'warning',
        text: `${d.service}: upload failed (${d.code}): ${d.message}${d.then === 'bitswap' ? '; going on by bitswap' : ''}`,
      };
    }
    case 'pin:replace:done': {
      const d = event.detail;
      return {
        level: 'info',
        text:
          d.removed.length === 0
            ? `${d.service}: no older pins to replace`
            : `${d.service}: removed ${plural(d.removed.length, 'older pin')}: ${d.removed.join(', ')}`,
      };
    }
    default:
      return undefined;
  }
}

/**
 * A line for `core.info`, which writes to stdout as it is: the runner executes any line
 * that starts with `::` as a workflow command. Line breaks (every kind) become spaces, so
 * service text cannot start a line of its own, and a leading `::` is broken with a
 * zero-width space. `core.warning`/`debug`/`notice` escape their text themselves.
 */
export function commandSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\r\n\u000b\u000c\u0085\u2028\u2029]+/g, ' ');
  return flat.replace(/^(\s*):(?=:)/, '$1:\u200b');
}

import type { PinFlowProgressEvent, ServiceResult } from './pin/index.js';
import { formatBytes, formatMs, plural } from './util/format.js';

/**
 * One progress event in words, the same for every face: the action sends it to the log at
 * its level (`debug` only with step debugging), the CLI prints `info` and `warning` lines.
 * What a face leaves out (a repeated status, a disconnect after the end) is its own choice;
 * the words are this one function's.
 */
export interface ProgressLine {
  level: 'info' | 'debug' | 'warning';
  text: string;
}

const DELIVERY = { upload: 'upload', bitswap: 'bitswap', both: 'upload and bitswap' } as const;

/** One line per service: how it ended, with its requestid and how it got the data. */
export function serviceSummary(r: ServiceResult): string {
  const id = r.requestid === undefined ? '' : ` (requestid ${r.requestid})`;
  const took = ` after ${formatMs(r.ms)}`;
  if (r.error !== undefined) return `${r.service}: ${r.error.code}${id}: ${r.error.message}`;
  if (r.stopped === true)
    return `${r.service}: still ${r.status}${id}, stopped waiting (policy decided; the pin stays)`;
  const reused = r.reused && r.upload?.ok !== true ? ', reused' : '';
  const via = r.delivery === undefined ? '' : `, delivered by ${DELIVERY[r.delivery]}`;
  const details = r.details === undefined ? '' : ` (${r.details})`;
  return `${r.service}: ${r.status}${id}${reused}${via}${took}${details}`;
}

/** What one library progress event says; undefined: nothing worth a line. */
export function describeProgress(event: PinFlowProgressEvent): ProgressLine | undefined {
  const info = (text: string): ProgressLine => ({ level: 'info', text });
  const debug = (text: string): ProgressLine => ({ level: 'debug', text });
  switch (event.type) {
    case 'unixfs:walk:done': {
      const d = event.detail;
      return info(
        `Found ${plural(d.files, 'file')} in ${plural(d.directories, 'directory', 'directories')}${d.symlinks > 0 ? ` and ${plural(d.symlinks, 'symlink')}` : ''}, ${formatBytes(d.bytes)}`,
      );
    }
    case 'unixfs:import:progress': {
      const d = event.detail;
      const of = d.totalBytes === undefined ? '' : ` of ${formatBytes(d.totalBytes)}`;
      return debug(`Imported ${plural(d.files, 'file')}, ${formatBytes(d.bytes)}${of}`);
    }
    case 'unixfs:import:done':
      return undefined; // pin:import:done says the same, with the CID the pin uses
    case 'pin:import:done': {
      const d = event.detail;
      return info(
        `Imported ${plural(d.files, 'file')}, ${formatBytes(d.bytes)} with profile ${d.profile}: ${d.cid.toString()}`,
      );
    }
    case 'node:start:done': {
      const d = event.detail;
      return info(`Started the ${d.kind} IPFS node ${d.peerId} in ${formatMs(d.ms)}`);
    }
    case 'node:dial:done': {
      const d = event.detail;
      return debug(
        `Dial ${d.multiaddr}: ${d.ok ? 'connected' : `failed (${d.error ?? 'unknown'})`} in ${formatMs(d.ms)}`,
      );
    }
    case 'node:peer:disconnected':
      return info(`Lost the connection to delegate ${event.detail.peerId}: re-dialling`);
    case 'node:peer:reconnected':
      return info(`Reconnected to delegate ${event.detail.peerId}`);
    case 'node:blocks:served': {
      const d = event.detail;
      return debug(
        `Served ${plural(d.blocksServed, 'block')} (${formatBytes(d.bytesServed)}) to ${plural(d.peers, 'peer')}`,
      );
    }
    case 'psa:request:retry': {
      const d = event.detail;
      return info(
        `${d.method} ${d.path}: ${d.status === undefined ? d.code : `HTTP ${d.status} (${d.code})`}, attempt ${d.attempt}, retrying in ${formatMs(d.delayMs)}`,
      );
    }
    case 'psa:request:done': {
      const d = event.detail;
      return debug(`${d.method} ${d.path}: HTTP ${d.status} in ${formatMs(d.ms)}`);
    }
    case 'pin:existing:found': {
      const d = event.detail;
      return info(`${d.service}: reusing pin ${d.requestid} (${d.status}) for this CID`);
    }
    case 'pin:submit:done': {
      const d = event.detail;
      return info(
        `${d.service}: submitted pin ${d.requestid} (${d.status}${d.withOrigins ? '' : ', sent without origins'})`,
      );
    }
    case 'pin:status:changed': {
      const d = event.detail;
      return info(`${d.service}: ${d.status}${d.details === undefined ? '' : ` (${d.details})`}`);
    }
    case 'pin:status:unknown': {
      const d = event.detail;
      return {
        level: 'warning',
        text: `${d.service}: answered status '${d.status}', which the Pinning Service API does not define; still waiting`,
      };
    }
    case 'pin:delegate:dialled': {
      // A delegate not reached is worth a line too: it says why (an address not dialled,
      // a refused connection) when the service then never gets the data.
      const d = event.detail;
      return info(
        `${d.service}: delegate ${d.multiaddr} ${d.ok ? `connected in ${formatMs(d.ms)}` : `not reached (${d.error ?? 'unknown error'})`}`,
      );
    }
    case 'pin:service:done':
      return info(serviceSummary(event.detail));
    case 'pin:upload:start': {
      const d = event.detail;
      return info(`${d.service}: uploading the CAR (${formatBytes(d.bytes)}) to ${d.kind} at ${d.origin}`);
    }
    case 'upload:bytes:sent': {
      const d = event.detail;
      return debug(`${d.service}: ${formatBytes(d.bytes)} of ${formatBytes(d.total)} sent`);
    }
    case 'pin:upload:done': {
      const d = event.detail;
      return info(`${d.service}: upload done in ${formatMs(d.ms)}, the ${d.kind} has root ${d.root}`);
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
      return info(
        d.removed.length === 0
          ? `${d.service}: no older pins to replace`
          : `${d.service}: removed ${plural(d.removed.length, 'older pin')}: ${d.removed.join(', ')}`,
      );
    }
    default:
      return undefined;
  }
}

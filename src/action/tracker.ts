import type { PinFlowProgressEvent, ImportResult } from '../lib/index.js';
import type { ServiceRow } from './report.js';

/**
 * Keeps what the progress events have told so far, so that a run that fails half way still
 * reports the CID and each service's requestid and last status.
 */
export interface Tracker {
  onEvent(event: PinFlowProgressEvent): void;
  readonly imported: ImportResult | undefined;
  readonly tree: { files: number; directories: number; bytes: number } | undefined;
  services(): ServiceRow[];
}

export function createTracker(): Tracker {
  let imported: ImportResult | undefined;
  let tree: { files: number; directories: number; bytes: number } | undefined;
  const rows = new Map<string, ServiceRow>();
  const row = (service: string): ServiceRow => {
    let r = rows.get(service);
    if (r === undefined) {
      r = { service, endpoint: '', status: 'unknown' };
      rows.set(service, r);
    }
    return r;
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case 'unixfs:walk:done':
          tree = {
            files: event.detail.files,
            directories: event.detail.directories,
            bytes: event.detail.bytes,
          };
          break;
        case 'pin:import:done':
        case 'unixfs:import:done':
          imported = event.detail;
          tree = {
            files: event.detail.files,
            directories: event.detail.directories,
            bytes: event.detail.bytes,
          };
          break;
        case 'pin:existing:found':
        case 'pin:submit:done':
        case 'pin:status:changed':
        case 'pin:status:unknown': {
          const r = row(event.detail.service);
          r.requestid = event.detail.requestid;
          r.status = event.detail.status;
          if (event.type === 'pin:existing:found') r.reused = true;
          if (event.type === 'pin:status:changed' && event.detail.details !== undefined)
            r.details = event.detail.details;
          break;
        }
        case 'pin:service:done': {
          const d = event.detail;
          rows.set(d.service, {
            service: d.service,
            endpoint: d.endpoint,
            status: d.status,
            ...(d.requestid === undefined ? {} : { requestid: d.requestid }),
            ms: d.ms,
            reused: d.reused,
            ...(d.details === undefined ? {} : { details: d.details }),
            ...(d.error === undefined ? {} : { error: { code: d.error.code, message: d.error.message } }),
          });
          break;
        }
        default:
          break;
      }
    },
    get imported() {
      return imported;
    },
    get tree() {
      return tree;
    },
    services: () => [...rows.values()],
  };
}

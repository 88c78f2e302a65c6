import type { IpfsPinError, PinDirectoryResult, ServiceResult } from '../lib/index.js';

export interface ErrorJson {
  code: string;
  message: string;
  status?: number;
  reason?: string;
  details?: string;
  data?: Record<string, unknown>;
}

export function errorJson(error: IpfsPinError): ErrorJson {
  return {
    code: error.code,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    ...(error.details === undefined ? {} : { details: error.details }),
    ...(error.data === undefined ? {} : { data: error.data }),
  };
}

function serviceJson(r: ServiceResult): Record<string, unknown> {
  return {
    service: r.service,
    endpoint: r.endpoint,
    requestid: r.requestid ?? null,
    status: r.status,
    reused: r.reused,
    delegates: r.delegates,
    dialled: r.dialled,
    ms: r.ms,
    ...(r.details === undefined ? {} : { details: r.details }),
    ...(r.stopped === true ? { stopped: true } : {}),
    ...(r.removed === undefined ? {} : { removed: r.removed }),
    ...(r.replaceError === undefined ? {} : { replaceError: errorJson(r.replaceError) }),
    ...(r.delivery === undefined ? {} : { delivery: r.delivery }),
    ...(r.upload === undefined
      ? {}
      : {
          upload: {
            kind: r.upload.kind,
            origin: r.upload.origin,
            ok: r.upload.ok,
            bytes: r.upload.bytes,
            ms: r.upload.ms,
            ...(r.upload.root === undefined ? {} : { root: r.upload.root }),
            error: r.upload.error === undefined ? null : errorJson(r.upload.error),
          },
        }),
    error: r.error === undefined ? null : errorJson(r.error),
  };
}

/** The `--json` document: stable keys, CIDs as strings, errors as plain objects. */
export function resultJson(result: PinDirectoryResult): Record<string, unknown> {
  const i = result.import;
  return {
    cid: result.cid,
    ok: result.ok,
    import: {
      profile: i.profile,
      files: i.files,
      directories: i.directories,
      symlinks: i.symlinks,
      bytes: i.bytes,
      skipped: i.skipped,
      ...(i.car === undefined ? {} : { car: i.car }),
    },
    services: result.services.map(serviceJson),
    served: result.served,
  };
}

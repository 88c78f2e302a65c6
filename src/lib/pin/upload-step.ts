import { stat } from 'node:fs/promises';
import { CustomProgressEvent } from '../progress.js';
import { IpfsPinError, isIpfsPinError } from '../errors.js';
import { createUploader } from '../upload/index.js';
import type { CarSource, UploadConfig, Uploader } from '../upload/types.js';
import type { Deadline } from './wait.js';
import { emit } from './types.js';
import type { PinFlowProgressEvent, UploadReport } from './types.js';

export interface UploadJob {
  service: string;
  config: UploadConfig;
  uploader: Uploader;
  car: CarSource;
  name: string;
  meta?: Record<string, string>;
  deadline: Deadline;
  signal: AbortSignal;
  onProgress?: (event: PinFlowProgressEvent) => void;
}

/** One uploader per service that has an upload, made before any work so a bad URL fails first. */
export function createUploaders(
  configs: readonly (UploadConfig | undefined)[],
  options: { fetch?: typeof globalThis.fetch; random?: () => number },
): (Uploader | undefined)[] {
  return configs.map((config) => (config === undefined ? undefined : createUploader(config, options)));
}

/** The CAR the import wrote, as an upload's source. */
export async function carSource(path: string, root: string): Promise<CarSource> {
  const { size } = await stat(path);
  return { root, path, bytes: size };
}

/**
 * Pushes the CAR to one service. Never throws for the upload's own failure: the report
 * carries it, and the caller decides (bitswap goes on, or `required` fails the service).
 * Aborts (the caller's, the policy's, the deadline's) propagate.
 */
export async function uploadToService(job: UploadJob): Promise<UploadReport> {
  const started = Date.now();
  const { uploader } = job;
  const report: UploadReport = {
    kind: uploader.kind,
    origin: uploader.origin,
    ok: false,
    bytes: job.car.bytes,
    ms: 0,
  };
  emit(
    job.onProgress,
    new CustomProgressEvent('pin:upload:start', {
      service: job.service,
      kind: uploader.kind,
      origin: uploader.origin,
      bytes: job.car.bytes,
    }),
  );
  const outer = AbortSignal.any([job.signal, job.deadline.signal]);
  const watchdog = stallWatchdog(job.config.stallMs ?? DEFAULT_STALL_MS, job.car.bytes);
  const signal = AbortSignal.any([outer, watchdog.signal]);
  try {
    const result = await uploader.upload(job.car, {
      name: job.name,
      ...(job.meta === undefined ? {} : { meta: job.meta }),
      service: job.service,
      signal,
      onProgress: (event) => {
        if (event.type === 'upload:bytes:sent') watchdog.progress(event.detail.bytes);
        // A retry starts the CAR over after its wait (Retry-After may be long).
        else if (event.type === 'psa:request:retry') watchdog.restart(event.detail.delayMs);
        else watchdog.progress(undefined);
        emit(job.onProgress, event);
      },
    });
    report.ok = true;
    report.root = result.root;
    report.ms = Date.now() - started;
    emit(
      job.onProgress,
      new CustomProgressEvent('pin:upload:done', {
        service: job.service,
        kind: uploader.kind,
        origin: uploader.origin,
        root: result.root,
        bytes: result.bytes,
        ms: report.ms,
      }),
    );
  } catch (caught) {
    report.ms = Date.now() - started;
    if (outer.aborted) throw caught;
    const err = watchdog.signal.aborted ? watchdog.reason(uploader.kind, uploader.origin) : caught;
    const error = isIpfsPinError(err)
      ? err.code === 'UPLOAD_FAILED'
        ? err
        : new IpfsPinError(
            'UPLOAD_FAILED',
            `${uploader.kind} upload to ${uploader.origin} failed: ${err.message}`,
            {
              cause: err,
              data: { kind: uploader.kind },
            },
          )
      : new IpfsPinError('UPLOAD_FAILED', `${uploader.kind} upload to ${uploader.origin} failed`, {
          cause: err,
          data: { kind: uploader.kind },
        });
    report.error = error;
    emit(
      job.onProgress,
      new CustomProgressEvent('pin:upload:failed', {
        service: job.service,
        kind: uploader.kind,
        origin: uploader.origin,
        code: error.code,
        message: error.message,
        then: job.config.required === true ? ('fail' as const) : ('bitswap' as const),
      }),
    );
  } finally {
    watchdog.stop();
  }
  return report;
}

export const DEFAULT_STALL_MS = 60_000;

/**
 * Aborts an upload whose bytes stopped moving for `stallMs` (a service that takes the
 * connection and stops reading), or that got no answer within 5 × `stallMs` once all its
 * bytes were sent. Without it a stuck upload would hold the service's whole deadline,
 * while bitswap could deliver.
 */
function stallWatchdog(stallMs: number, total: number) {
  const controller = new AbortController();
  let sentAll = total === 0;
  let timer: NodeJS.Timeout | undefined;
  let waited = stallMs;
  const arm = (extraMs = 0): void => {
    if (timer !== undefined) clearTimeout(timer);
    waited = (sentAll ? stallMs * 5 : stallMs) + extraMs;
    timer = setTimeout(() => controller.abort(), Math.min(2 ** 31 - 1, waited));
  };
  arm();
  return {
    signal: controller.signal,
    progress(bytes: number | undefined) {
      if (controller.signal.aborted) return;
      if (bytes !== undefined && bytes >= total) sentAll = true;
      arm();
    },
    restart(delayMs: number) {
      if (controller.signal.aborted) return;
      sentAll = total === 0;
      arm(delayMs);
    },
    reason(kind: string, origin: string): IpfsPinError {
      return new IpfsPinError(
        'UPLOAD_FAILED',
        sentAll
          ? `${kind} upload to ${origin}: no answer within ${Math.round(waited / 1000)} s after the whole CAR was sent`
          : `${kind} upload to ${origin}: no byte moved for ${Math.round(waited / 1000)} s (stallMs); the service stopped reading`,
        { data: { kind } },
      );
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

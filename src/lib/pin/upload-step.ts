import { stat } from 'node:fs/promises';
import { CustomProgressEvent } from '../progress.js';
import { IpfsPinError, isIpfsPinError } from '../errors.js';
import { createUploader } from '../upload/index.js';
import type { CarSource, UploadConfig, Uploader } from '../upload/types.js';
import type { Deadline } from './deadline.js';
import { emit } from './emit.js';
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
  const signal = AbortSignal.any([job.signal, job.deadline.signal]);
  try {
    const result = await uploader.upload(job.car, {
      name: job.name,
      ...(job.meta === undefined ? {} : { meta: job.meta }),
      service: job.service,
      signal,
      ...(job.onProgress === undefined ? {} : { onProgress: job.onProgress }),
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
  } catch (err) {
    report.ms = Date.now() - started;
    if (signal.aborted) throw err;
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
  }
  return report;
}

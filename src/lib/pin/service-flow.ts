import { CID } from 'multiformats/cid';
import { CustomProgressEvent } from '../progress.js';
import { emit } from './emit.js';
import { IpfsPinError } from '../errors.js';
import { sleep } from '../util/sleep.js';
import type { IpfsNode } from '../node/types.js';
import type { Pin, PinningClient, PinStatus } from '../psa/types.js';
import type { Deadline } from './wait.js';
import { createDelegateDialer } from './delegates.js';
import { chooseExistingPin, REUSABLE_STATUSES } from './existing.js';
import { isOriginsRejection } from './origins.js';
import { pollDelay } from './wait.js';
import { pinsToReplace } from './replace-plan.js';
import type { ResolvedService } from './services.js';
import { asPinError, isTransient, retryAfterOf } from './wait.js';
import type { PinFlowProgressEvent, ServiceResult } from './types.js';
import { watchPin } from './wait.js';

export interface ServiceJob {
  service: ResolvedService;
  client: PinningClient;
  cid: string;
  name: string;
  meta?: Record<string, string>;
  origins: string[];
  node?: IpfsNode;
  deadline: Deadline;
  signal: AbortSignal;
  onProgress?: (event: PinFlowProgressEvent) => void;
  wait: boolean;
  replace: boolean;
  deleteOnTimeout: boolean;
  pollMinMs: number;
  pollMaxMs: number;
  random: () => number;
}

/** A service's pins looked at when searching for one to reuse: enough for any sane account. */
const LOOKUP_LIMIT = 100;
const REPLACE_LIMIT = 1000;

/**
 * The flow on one service: reuse a pin of this CID or submit one, wait for it (dialling
 * delegates), then remove older pins of the same name. Never throws: the outcome,
 * error included, is in the result.
 */
export async function pinOnService(job: ServiceJob): Promise<ServiceResult> {
  const started = Date.now();
  const label = job.service.label;
  const dialer = createDelegateDialer(job.wait ? job.node : undefined, label, job.onProgress, {
    allowPrivate: job.service.privateDelegates,
    announce: [CID.parse(job.cid)],
  });
  const signal = AbortSignal.any([job.signal, job.deadline.signal]);
  const psa = { signal, ...(job.onProgress === undefined ? {} : { onProgress: job.onProgress }) };
  const result: ServiceResult = {
    service: label,
    endpoint: job.service.endpoint,
    status: 'unsubmitted',
    reused: false,
    delegates: dialer.delegates,
    dialled: dialer.dialled,
    ms: 0,
  };
  let current: PinStatus | undefined;
  let contacted = false;

  // Waits before asking again after a transient error; ends the same way as the wait loop.
  let retries = 0;
  const backOff = async (err: unknown): Promise<void> => {
    // Until the service answered once, a refused connection means a wrong URL or a service that is down.
    if (!isTransient(err) || (!contacted && asPinError(err, '').code === 'PSA_NETWORK')) throw err;
    const retryAfterMs = retryAfterOf(err);
    const delay = pollDelay({
      attempt: retries++,
      minMs: job.pollMinMs,
      maxMs: job.pollMaxMs,
      minIntervalMs: job.service.minIntervalMs,
      random: job.random,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    await sleep(delay, signal);
  };

  const findExisting = async (): Promise<PinStatus | undefined> => {
    const found: PinStatus[] = [];
    for await (const pin of job.client.list({ cid: [job.cid], status: [...REUSABLE_STATUSES] }, psa)) {
      found.push(pin);
      if (found.length >= LOOKUP_LIMIT) break;
    }
    contacted = true;
    return chooseExistingPin(found, job.cid);
  };

  const submit = async (): Promise<PinStatus> => {
    const pin: Pin = { cid: job.cid, name: job.name };
    if (job.meta !== undefined && Object.keys(job.meta).length > 0) pin.meta = job.meta;
    let withOrigins = job.origins.length > 0;
    let status: PinStatus;
    try {
      status = await job.client.add(withOrigins ? { ...pin, origins: job.origins } : pin, psa);
    } catch (err) {
      if (!withOrigins || !isOriginsRejection(err)) throw err;
      withOrigins = false;
      status = await job.client.add(pin, psa);
    }
    emit(
      job.onProgress,
      new CustomProgressEvent('pin:submit:done', {
        service: label,
        requestid: status.requestid,
        status: status.status,
        withOrigins,
      }),
    );
    return status;
  };

  try {
    // Reuse or submit. A transient failure of the POST goes back to the lookup: the pin may
    // have been made even though its answer was lost, and a re-run must not pin twice.
    for (;;) {
      try {
        const existing = await findExisting();
        if (existing !== undefined) {
          result.reused = true;
          emit(
            job.onProgress,
            new CustomProgressEvent('pin:existing:found', {
              service: label,
              requestid: existing.requestid,
              status: existing.status,
            }),
          );
          current = existing;
        } else {
          current = await submit();
        }
        break;
      } catch (err) {
        await backOff(err);
      }
    }
    result.requestid = current.requestid;
    result.status = current.status;
    if (!job.wait) {
      dialer.offer(current.delegates);
      return result;
    }

    const ctx = {
      service: label,
      dialer,
      deadline: job.deadline,
      signal: job.signal,
      ...(job.node === undefined ? {} : { node: job.node }),
      ...(job.onProgress === undefined ? {} : { onProgress: job.onProgress }),
      pollMinMs: job.pollMinMs,
      pollMaxMs: job.pollMaxMs,
      minIntervalMs: job.service.minIntervalMs,
      random: job.random,
      deleteOnTimeout: job.deleteOnTimeout,
      initial: current,
    } as Parameters<typeof watchPin>[2];
    try {
      current = await watchPin(job.client, current.requestid, ctx);
    } finally {
      if (ctx.last !== undefined) current = ctx.last;
      result.status = current.status;
    }

    if (job.replace) await replaceOlder(job, current, started, result, psa);
  } catch (err) {
    result.error = outcomeError(job, err, current?.requestid);
    if (result.error.code === 'ABORTED' && job.signal.aborted && isPolicyStop(job.signal.reason)) {
      result.stopped = true;
      delete result.error;
    }
    if (current !== undefined) result.status = current.status;
  } finally {
    await dialer.settle();
    result.ms = Date.now() - started;
    const details = current === undefined ? undefined : current.info?.['status_details'];
    if (typeof details === 'string' && details !== '') result.details = details;
  }
  return result;
}

/** The reason the flow aborts a service with when the policy is decided. */
export const POLICY_DECIDED = 'policy-decided';

export function policyStop(): IpfsPinError {
  return new IpfsPinError('ABORTED', 'stopped waiting: the policy was already decided', {
    data: { why: POLICY_DECIDED },
  });
}

function isPolicyStop(reason: unknown): boolean {
  return reason instanceof IpfsPinError && reason.data?.['why'] === POLICY_DECIDED;
}

/** The error to report for a service, told apart by who ended it: the caller, the policy, the deadline. */
function outcomeError(job: ServiceJob, err: unknown, requestid: string | undefined): IpfsPinError {
  // watchPin's own verdicts carry the requestid, the last status and what was served.
  if (err instanceof IpfsPinError && err.data?.['requestid'] !== undefined) return err;
  if (job.signal.aborted) {
    const reason: unknown = job.signal.reason;
    if (reason instanceof IpfsPinError) return reason;
    return new IpfsPinError('ABORTED', `${job.service.label}: the pin flow was aborted`, {
      data: { service: job.service.label, ...(requestid === undefined ? {} : { requestid }) },
      cause: reason,
    });
  }
  if (job.deadline.expired()) {
    return new IpfsPinError(
      'PIN_TIMEOUT',
      `${job.service.label}: the deadline passed before the service took the pin${err instanceof Error ? ` (last error: ${err.message})` : ''}`,
      { data: { service: job.service.label, ...(requestid === undefined ? {} : { requestid }) }, cause: err },
    );
  }
  return asPinError(err, `${job.service.label} failed`);
}

async function replaceOlder(
  job: ServiceJob,
  ours: PinStatus,
  started: number,
  result: ServiceResult,
  psa: { signal: AbortSignal; onProgress?: (event: PinFlowProgressEvent) => void },
): Promise<void> {
  const removed: string[] = [];
  result.removed = removed;
  try {
    // Older than our pin on the service's own clock; a reused pin is older than this run,
    // so then the cutoff is when this run started.
    const created = Date.parse(ours.created);
    const before = new Date(result.reused || Number.isNaN(created) ? started : created);
    const candidates: PinStatus[] = [];
    const query = {
      name: job.name,
      match: 'exact' as const,
      status: ['queued', 'pinning', 'pinned', 'failed'] as PinStatus['status'][],
    };
    for await (const pin of job.client.list(query, psa)) {
      candidates.push(pin);
      if (candidates.length >= REPLACE_LIMIT) break;
    }
    for (const old of pinsToReplace(candidates, { requestid: ours.requestid, name: job.name, before })) {
      await job.client.remove(old.requestid, psa);
      removed.push(old.requestid);
    }
  } catch (err) {
    result.replaceError = asPinError(err, `${job.service.label}: removing older pins failed`);
  }
  emit(
    job.onProgress,
    new CustomProgressEvent('pin:replace:done', { service: job.service.label, removed: [...removed] }),
  );
}

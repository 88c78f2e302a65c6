import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { CustomProgressEvent } from '../progress.js';
import { IpfsPinError, abortError, isIpfsPinError } from '../errors.js';
import { createNode } from '../node/index.js';
import { prepareEmbeddedNode } from '../node/prepare.js';
import type { PreparedNode } from '../node/prepare.js';
import { statImportRoot } from '../unixfs/walk.js';
import type { IpfsNode, NodeOptions, NodeStats } from '../node/types.js';
import type { PinningClient, Pin, PinStatus } from '../psa/types.js';
import { checkCarPath } from '../unixfs/car-file.js';
import { isAborted } from '../util/abort.js';
import type { Uploader } from '../upload/types.js';
import { sleep } from '../util/sleep.js';
import { sameCid } from '../psa/same-cid.js';
import { emit } from './types.js';
import {
  createDeadline,
  DEFAULT_POLL_MAX_MS,
  DEFAULT_POLL_MIN_MS,
  DEFAULT_TIMEOUT_MS,
  pollDelay,
  asPinError,
  isTransient,
  retryAfterOf,
  watchPin,
} from './wait.js';
import { MAX_NAME_BYTES, defaultPinName, policyState, requiredPins, truncateUtf8 } from './inputs.js';
import { createServiceClients, resolveServices, settlePrivateDelegates } from './services.js';
import type {
  PinDirectoryOptions,
  PinDirectoryResult,
  ServiceResult,
  UploadReport,
  PinFlowProgressEvent,
} from './types.js';
import type { ResolvedService } from './services.js';
import type { Deadline, WatchContext } from './wait.js';
import { carSource, createUploaders, uploadToService } from './upload-step.js';
import { createDelegateDialer, warmUpDelegates } from './delegates.js';
import type { DelegateDialer } from './delegates.js';

/**
 * The whole job: import `path` into an IPFS node, pin the CID on every service (reusing
 * a pin of the same CID that is already there), serve the data and dial each service's
 * delegates until the services report `pinned`, then stop the node.
 *
 * Resolves with one result per service and `ok` telling whether the policy was met;
 * throws for wrong options, a failed import or node, and ABORTED when `signal` fires
 * (with the services' results in `data`). The deadline (`timeoutMs`) covers the whole
 * job: the import, submitting and waiting (an import still running at the deadline fails
 * with PIN_TIMEOUT before anything was submitted).
 */
export async function pinDirectory(options: PinDirectoryOptions): Promise<PinDirectoryResult> {
  const services = resolveServices(options.services ?? []);
  const required = requiredPins(options.policy ?? 'all', services.length);
  if (typeof options.path !== 'string' || options.path === '') {
    throw new IpfsPinError('INVALID_INPUT', 'path is required: the directory (or file) to pin');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new IpfsPinError('INVALID_INPUT', 'timeoutMs must be a number of milliseconds above 0');
  }
  if (options.replace === true && (options.name === undefined || options.name.trim() === '')) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      'replace finds older pins by name, and the default name holds the CID (new on every change): give a name',
    );
  }
  const wait = options.wait ?? true;
  const signal = options.signal;
  // Clients first: a malformed endpoint fails here, before any work.
  const clients = createServiceClients(services, {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });

  const uploaders = createUploaders(
    services.map((s) => s.upload),
    {
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.random === undefined ? {} : { random: options.random }),
    },
  );

  if (signal?.aborted === true) throw abortError(signal, 'pinning');
  // A missing path fails before a node starts (the import would find it, after the start-up).
  await statImportRoot(options.path);
  await settlePrivateDelegates(services, options.services ?? []);
  if (options.car !== undefined) await checkCarPath(options.car, options.path);
  // Uploads stream the CAR the import writes: the user's, else one in a temp dir of ours.
  const uploading = uploaders.some((u) => u !== undefined);
  const carDir =
    uploading && options.car === undefined
      ? await mkdtemp(join(options.nodeOptions?.tempDir ?? tmpdir(), 'ipfs-pin-car-'))
      : undefined;
  const carPath = carDir === undefined ? options.car : join(carDir, 'upload.car');
  try {
    return await pinWithNode(options, {
      services,
      required,
      timeoutMs,
      wait,
      clients,
      uploaders,
      ...(carPath === undefined ? {} : { carPath }),
      tempCar: carDir !== undefined,
    });
  } finally {
    if (carDir !== undefined) await rm(carDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface Prepared {
  services: ResolvedService[];
  required: number;
  timeoutMs: number;
  wait: boolean;
  clients: (PinningClient | undefined)[];
  uploaders: (Uploader | undefined)[];
  carPath?: string;
  /** The CAR is ours (for the uploads), removed at the end: not reported as the user's. */
  tempCar: boolean;
}

async function pinWithNode(options: PinDirectoryOptions, prepared: Prepared): Promise<PinDirectoryResult> {
  const { services, required, timeoutMs, wait, clients, uploaders, carPath } = prepared;
  const onProgress = options.onProgress;
  const signal = options.signal;
  const deadline = createDeadline(timeoutMs);
  const ownNode = options.node === undefined;
  // When every service takes an upload, our embedded node waits with libp2p unstarted
  // until a service needs bitswap (prepare.ts): a job whose uploads deliver never runs it.
  const deferred =
    ownNode &&
    options.keepNode !== true &&
    (options.nodeOptions?.kind ?? 'embedded') === 'embedded' &&
    uploaders.every((u) => u !== undefined);
  let node: IpfsNode | undefined;
  let idle: PreparedNode | undefined;
  try {
    if (deferred) idle = await prepareEmbeddedNode(nodeOptions(options));
    else node = options.node ?? (await createNode(nodeOptions(options)));
  } catch (err) {
    deadline.clear();
    throw err;
  }
  const importer: Pick<IpfsNode, 'import'> = (node ?? idle) as Pick<IpfsNode, 'import'>;
  let starting: Promise<IpfsNode> | undefined;
  const startNode = (): Promise<IpfsNode> =>
    (starting ??= (idle as PreparedNode).start().then((started) => (node = started)));
  let keep = false;
  // A big import checks the tokens meanwhile, so a wrong one fails in seconds, not after it;
  // the delegates of the pin that check sees are dialled meanwhile too (warmUpDelegates).
  const warm = new AbortController();
  const warming: Promise<void>[] = [];
  const early = earlyAccessCheck(clients, services, required, signal, (index, pin) => {
    if (wait && node !== undefined)
      warming.push(
        warmUpDelegates(node, pin.delegates, {
          allowPrivate: services[index]?.privateDelegates === true,
          signal: warm.signal,
        }),
      );
  });
  try {
    let imported;
    try {
      imported = await importer.import(options.path, {
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.hidden === undefined ? {} : { hidden: options.hidden }),
        ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
        ...(carPath === undefined ? {} : { car: carPath }),
        // Our own CAR is read back at once and removed: no flush to the disk for it.
        ...(prepared.tempCar ? { carSync: false } : {}),
        signal: AbortSignal.any([early.signal, deadline.signal]),
        onProgress: (event) => {
          if (event.type === 'unixfs:walk:done' && isBigImport(event.detail)) early.start();
          onProgress?.(event);
        },
      });
    } catch (err) {
      const rejected = early.failure();
      if (rejected !== undefined) throw rejected;
      if (deadline.expired() && !isAborted(signal)) {
        throw new IpfsPinError(
          'PIN_TIMEOUT',
          `The import of ${options.path} did not finish within the timeout (${timeoutMs} ms); nothing was submitted. Raise the timeout, or check that nothing under the path blocks reads.`,
          { cause: err },
        );
      }
      throw err;
    } finally {
      early.stop();
    }
    const car =
      carPath !== undefined && uploaders.some((u) => u !== undefined)
        ? await carSource(imported.car ?? carPath, imported.cid.toString())
        : undefined;
    if (prepared.tempCar) delete imported.car;
    emit(onProgress, new CustomProgressEvent('pin:import:done', imported));
    const cid = imported.cid.toString();
    const name = truncateUtf8(options.name?.trim() || defaultPinName(options.path, cid), MAX_NAME_BYTES);
    const origins = node?.origins() ?? [];

    // Aborted by us once the policy is decided (unless waitForAll), and by the caller.
    const stop = new AbortController();
    const jobSignal = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
    let pinned = 0;
    let finished = 0;
    let results: ServiceResult[];
    try {
      results = await Promise.all(
        services.map(async (service, index) => {
          const client = clients[index];
          const uploader = uploaders[index];
          const servedBefore = node?.stats().blocksServed ?? 0;
          let upload: UploadReport | undefined;
          let deliveredAt: number | undefined;
          if (uploader !== undefined && service.upload !== undefined && car !== undefined) {
            try {
              upload = await uploadToService({
                service: service.label,
                config: service.upload,
                uploader,
                car,
                name,
                ...(options.meta === undefined ? {} : { meta: options.meta }),
                deadline,
                signal: jobSignal,
                ...(onProgress === undefined ? {} : { onProgress }),
              });
              if (upload.ok) deliveredAt = Date.now();
            } catch {
              // Aborted (the caller, the policy or the deadline): the pin flow below reports it.
            }
          }
          let result: ServiceResult;
          if (upload?.error !== undefined && service.upload?.required === true) {
            result = failedByUpload(service, upload.error);
          } else if (client === undefined) {
            result = await bareKubo(service, uploader, upload, cid, deadline, jobSignal);
          } else {
            result = await pinOnService({
              service,
              client,
              cid,
              name,
              ...(options.meta === undefined ? {} : { meta: options.meta }),
              origins,
              ...(node === undefined ? { startNode } : { node }),
              deadline,
              signal: jobSignal,
              ...(onProgress === undefined ? {} : { onProgress }),
              wait,
              replace: options.replace ?? false,
              deleteOnTimeout: options.deleteOnTimeout ?? false,
              pollMinMs: options.pollMinMs ?? DEFAULT_POLL_MIN_MS,
              pollMaxMs: options.pollMaxMs ?? DEFAULT_POLL_MAX_MS,
              random: options.random ?? Math.random,
              ...(deliveredAt === undefined ? {} : { deliveredAt }),
            });
          }
          if (upload !== undefined) result.upload = upload;
          // Blocks our node served while this service ran (across services when several run).
          const served = (node?.stats().blocksServed ?? 0) - servedBefore;
          if (result.status === 'pinned' || upload?.ok === true) {
            if (upload?.ok === true) result.delivery = served > 0 ? 'both' : 'upload';
            else if (served > 0) result.delivery = 'bitswap';
          }
          finished += 1;
          if (succeeded(result, wait)) pinned += 1;
          emit(onProgress, new CustomProgressEvent('pin:service:done', result));
          if (options.waitForAll !== true && !stop.signal.aborted) {
            if (policyState(required, services.length, pinned, finished) !== 'pending')
              stop.abort(policyStop());
          }
          return result;
        }),
      );
    } finally {
      deadline.clear();
    }

    const stats: NodeStats = node?.stats() ?? { blocksServed: 0, bytesServed: 0, peers: 0 };
    const result: PinDirectoryResult = {
      cid,
      import: imported,
      services: results,
      ok: pinned >= required,
      served: {
        blocks: stats.blocksServed,
        bytes: stats.bytesServed,
        ...(stats.servingMs === undefined ? {} : { ms: stats.servingMs }),
      },
    };
    if (isAborted(signal)) {
      const reason = abortError(signal, 'pinning');
      throw new IpfsPinError('ABORTED', reason.message, { data: { cid, services: results }, cause: reason });
    }
    if (options.keepNode === true && node !== undefined) {
      result.node = node;
      keep = true;
    }
    return result;
  } finally {
    deadline.clear();
    // The early dials report (node:dial:done) before the job returns, never after.
    warm.abort();
    await Promise.all(warming);
    // Only the node we made is ours to stop; it runs until every service finished.
    if (starting !== undefined) await starting.catch(() => undefined);
    if (ownNode && !keep) await (node?.stop() ?? idle?.discard());
  }
}

/**
 * Imports at least this big check the services' tokens while they run (one request more:
 * a smaller import is over before its answer would matter, and keeps that request for its
 * first poll).
 */
const EARLY_CHECK_BYTES = 16 * 1_048_576;
const EARLY_CHECK_FILES = 1_000;

function isBigImport(totals: { files: number; bytes: number }): boolean {
  return totals.bytes >= EARLY_CHECK_BYTES || totals.files >= EARLY_CHECK_FILES;
}

interface EarlyCheck {
  /** The import's signal: the caller's, and ours once the policy cannot be met. */
  signal: AbortSignal;
  /** Asks every service for one pin (a request with the token) in the background. */
  start(): void;
  /** The rejection that stopped the import, if one did. */
  failure(): IpfsPinError | undefined;
  stop(): void;
}

/**
 * While a big tree is imported, asks each service for one pin with its token. When so many
 * services reject the token (401/403) that the policy cannot be met, the import stops and
 * the job fails with that service's PSA_UNAUTHORIZED or PSA_FORBIDDEN at once (nothing was
 * pinned). Any other answer, failure included, is left to the pin flow: this is a shortcut
 * for the one error that no waiting fixes. The pin a service lists, if any, goes to `onPin`
 * (its delegates are dialled while the import runs).
 */
function earlyAccessCheck(
  clients: (PinningClient | undefined)[],
  services: { label: string }[],
  required: number,
  signal: AbortSignal | undefined,
  onPin: (index: number, pin: PinStatus) => void,
): EarlyCheck {
  const stopImport = new AbortController();
  const checks = new AbortController();
  let started = false;
  let rejected = 0;
  let failure: IpfsPinError | undefined;
  const check = async (client: PinningClient, label: string, index: number): Promise<void> => {
    try {
      for await (const pin of client.list({ limit: 1 }, { signal: checks.signal })) {
        onPin(index, pin);
        break;
      }
    } catch (err) {
      if (!isIpfsPinError(err) || (err.code !== 'PSA_UNAUTHORIZED' && err.code !== 'PSA_FORBIDDEN')) return;
      rejected += 1;
      if (failure !== undefined || services.length - rejected >= required) return;
      failure = new IpfsPinError(
        err.code,
        `${label}: ${err.message} (found while importing; nothing was pinned)`,
        {
          cause: err,
          ...(err.status === undefined ? {} : { status: err.status }),
          ...(err.reason === undefined ? {} : { reason: err.reason }),
          ...(err.details === undefined ? {} : { details: err.details }),
          data: { service: label },
        },
      );
      stopImport.abort(failure);
    }
  };
  return {
    signal: signal === undefined ? stopImport.signal : AbortSignal.any([signal, stopImport.signal]),
    start: () => {
      if (started) return;
      started = true;
      clients.forEach((client, i) => {
        if (client !== undefined) void check(client, services[i]?.label ?? client.endpoint, i);
      });
    },
    failure: () => failure,
    stop: () => checks.abort(),
  };
}

function succeeded(result: ServiceResult, wait: boolean): boolean {
  if (result.error !== undefined) return false;
  return wait || result.requestid === undefined ? result.status === 'pinned' : true;
}

function baseResult(service: ResolvedService): ServiceResult {
  return {
    service: service.label,
    endpoint: service.endpoint,
    status: 'unsubmitted',
    reused: false,
    delegates: [],
    dialled: [],
    ms: 0,
  };
}

/** `upload: required` and the upload failed: nothing is submitted to this service. */
function failedByUpload(service: ResolvedService, error: IpfsPinError): ServiceResult {
  return {
    ...baseResult(service),
    error: new IpfsPinError('UPLOAD_FAILED', `${service.label}: ${error.message}`, {
      ...(error.status === undefined ? {} : { status: error.status }),
      data: { service: service.label, ...error.data },
      cause: error,
    }),
  };
}

/** A Kubo RPC without a pinning API: the upload's own pin is the result, checked with `pin ls`. */
async function bareKubo(
  service: ResolvedService,
  uploader: Uploader | undefined,
  upload: UploadReport | undefined,
  cid: string,
  deadline: Deadline,
  signal: AbortSignal,
): Promise<ServiceResult> {
  const result = baseResult(service);
  const started = Date.now();
  try {
    if (upload === undefined || uploader?.isPinned === undefined) {
      throw signal.aborted || deadline.expired()
        ? new IpfsPinError(
            deadline.expired() && !signal.aborted ? 'PIN_TIMEOUT' : 'ABORTED',
            `${service.label}: stopped before the upload finished`,
            { data: { service: service.label } },
          )
        : new IpfsPinError('UPLOAD_FAILED', `${service.label}: no upload was made`, {
            data: { service: service.label },
          });
    }
    if (upload.error !== undefined) throw upload.error;
    const pinned = await uploader.isPinned(cid, { signal: AbortSignal.any([signal, deadline.signal]) });
    result.status = pinned ? 'pinned' : 'failed';
    if (!pinned)
      throw new IpfsPinError(
        'UPLOAD_FAILED',
        `${service.label}: kubo took the CAR but pin ls does not list ${cid} as pinned`,
        { data: { service: service.label } },
      );
  } catch (err) {
    result.error = isIpfsPinError(err)
      ? err
      : new IpfsPinError('UPLOAD_FAILED', `${service.label}: the kubo upload failed`, { cause: err });
    if (result.status === 'unsubmitted') result.status = 'failed';
    if (isPolicyStopped(signal)) {
      result.stopped = true;
      delete result.error;
    }
  }
  result.ms = Date.now() - started;
  return result;
}

function isPolicyStopped(signal: AbortSignal): boolean {
  const reason: unknown = signal.reason;
  return signal.aborted && reason instanceof IpfsPinError && reason.data?.['why'] === POLICY_DECIDED;
}

function nodeOptions(options: PinDirectoryOptions): NodeOptions {
  const given = options.nodeOptions ?? {};
  return {
    ...(given.kind === undefined ? {} : { kind: given.kind }),
    ...(given.apiUrl === undefined ? {} : { apiUrl: given.apiUrl }),
    ...(given.binary === undefined ? {} : { binary: given.binary }),
    ...(given.tempDir === undefined ? {} : { tempDir: given.tempDir }),
    ...(given.memoryBytes === undefined ? {} : { memoryBytes: given.memoryBytes }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  };
}

// One service: reuse a pin of the CID or submit one, wait for it with watchPin (wait.ts),
// then remove older pins on `replace`. pinWithNode above runs one of these per service.

export interface ServiceJob {
  service: ResolvedService;
  client: PinningClient;
  cid: string;
  name: string;
  meta?: Record<string, string>;
  origins: string[];
  node?: IpfsNode;
  /**
   * Starts our node, when the flow left it unstarted (every service uploads), or gets the
   * one already starting: called when this service needs bitswap. After a failed upload it
   * starts beside the lookup; after a delivered one, only when the pin is still pending
   * LATE_START_MS later.
   */
  startNode?: () => Promise<IpfsNode>;
  deadline: Deadline;
  signal: AbortSignal;
  onProgress?: (event: PinFlowProgressEvent) => void;
  wait: boolean;
  replace: boolean;
  deleteOnTimeout: boolean;
  pollMinMs: number;
  pollMaxMs: number;
  random: () => number;
  /** When an upload handed this service the whole DAG (ms since the epoch). */
  deliveredAt?: number;
}

/**
 * After a delivered upload, how long a pin may stay pending before our node starts to
 * serve it too (the service may be fetching from elsewhere than where the upload went).
 */
export const LATE_START_MS = 1_000;

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
  let node = job.node;
  let origins = job.origins;
  // A failed upload: bitswap delivers, so the node starts now, beside the lookup (unless
  // the job is already over: the policy decided, the deadline passed).
  // The start is awaited below where the node is needed, and a failure reported there.
  if (node === undefined && job.deliveredAt === undefined && !job.signal.aborted && !job.deadline.expired())
    job.startNode?.().catch(() => undefined);
  const needNode = async (): Promise<void> => {
    // An aborted job's next request throws ABORTED: no node for it.
    if (node !== undefined || job.startNode === undefined || signal.aborted) return;
    node = await job.startNode();
    origins = node.origins();
  };
  let dialer: DelegateDialer | undefined;
  let lateStart: ReturnType<typeof setTimeout> | undefined;
  // The wait's context, once made: a node started late is handed to it too.
  let watching: WatchContext | undefined;
  const signal = AbortSignal.any([job.signal, job.deadline.signal]);
  const psa = { signal, ...(job.onProgress === undefined ? {} : { onProgress: job.onProgress }) };
  const result: ServiceResult = {
    service: label,
    endpoint: job.service.endpoint,
    status: 'unsubmitted',
    reused: false,
    delegates: [],
    dialled: [],
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
    // Without a delivered upload the service fetches from our node: it must be up first.
    if (job.deliveredAt === undefined) await needNode();
    let withOrigins = origins.length > 0;
    let status: PinStatus;
    try {
      status = await job.client.add(withOrigins ? { ...pin, origins } : pin, psa);
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
    // A pin found pending (made by an earlier run) with no upload that delivered: our node
    // serves it, so it is up before the wait, as for a pin we submit.
    if (job.wait && job.deliveredAt === undefined && current.status !== 'pinned') await needNode();
    dialer = createDelegateDialer(job.wait ? node : undefined, label, job.onProgress, {
      allowPrivate: job.service.privateDelegates,
      announce: [CID.parse(job.cid)],
    });
    result.delegates = dialer.delegates;
    result.dialled = dialer.dialled;
    // Delivered by an upload, still pending: the service holds every block and is writing
    // the pin down (IPFS Cluster's status trails its /add by ~150 ms). Our node starts only
    // if that takes longer than LATE_START_MS: then it serves, and the delegates named so
    // far are dialled. The wait goes on meanwhile; a failed start leaves it to the upload.
    if (job.wait && node === undefined && job.startNode !== undefined && current.status !== 'pinned') {
      const start = job.startNode;
      const late = dialer;
      lateStart = setTimeout(
        () => {
          if (signal.aborted) return;
          start().then(
            (started) => {
              node = started;
              late.attach(started);
              if (watching !== undefined) watching.node = started;
            },
            () => undefined,
          );
        },
        Math.max(0, (job.deliveredAt ?? Date.now()) + LATE_START_MS - Date.now()),
      );
    }
    if (!job.wait) {
      dialer.offer(current.delegates);
      return result;
    }

    const ctx: WatchContext = {
      service: label,
      dialer,
      deadline: job.deadline,
      signal: job.signal,
      ...(node === undefined ? {} : { node }),
      ...(job.onProgress === undefined ? {} : { onProgress: job.onProgress }),
      pollMinMs: job.pollMinMs,
      pollMaxMs: job.pollMaxMs,
      minIntervalMs: job.service.minIntervalMs,
      random: job.random,
      deleteOnTimeout: job.deleteOnTimeout,
      initial: current,
      ...(job.deliveredAt === undefined ? {} : { deliveredAt: job.deliveredAt }),
    };
    watching = ctx;
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
    clearTimeout(lateStart);
    await dialer?.settle();
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

// Pure choices the per-service flow makes from what the service answered.

/** The statuses that mean "this CID is already on its way": a re-run reuses such a pin. */
export const REUSABLE_STATUSES = ['queued', 'pinning', 'pinned'] as const;

// A Map, not an object: a status is the service's text, and `constructor` or `toString`
// must not find a rank on Object.prototype.
const RANK = new Map<string, number>([
  ['pinned', 0],
  ['pinning', 1],
  ['queued', 2],
]);

function createdMs(status: PinStatus): number {
  const ms = Date.parse(status.created);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * Picks the pin to reuse among the service's pins of our CID: pinned first, then
 * pinning, then queued; within a status the newest. Pins of another CID or with a
 * status we would not reuse (failed, unknown) are never picked.
 */
export function chooseExistingPin(candidates: Iterable<PinStatus>, cid: string): PinStatus | undefined {
  let best: PinStatus | undefined;
  for (const pin of candidates) {
    if (!sameCid(String(pin.pin?.cid), cid)) continue;
    const rank = RANK.get(pin.status);
    if (rank === undefined) continue;
    if (best === undefined) {
      best = pin;
      continue;
    }
    const bestRank = RANK.get(best.status) ?? Number.POSITIVE_INFINITY;
    if (rank < bestRank || (rank === bestRank && createdMs(pin) > createdMs(best))) best = pin;
  }
  return best;
}

/**
 * Which pins `replace` removes: same name (the caller lists by exact name), not our own
 * request, and created before `before`. Pins created later are left alone: they may come
 * from a newer deploy running at the same time, and removing them would undo it.
 * A pin of the same CID under another requestid is an older deploy of the same content
 * and goes too (ours keeps the data pinned).
 */
export function pinsToReplace(
  candidates: Iterable<PinStatus>,
  keep: { requestid: string; name: string; before: Date },
): PinStatus[] {
  const cutoff = keep.before.getTime();
  const out: PinStatus[] = [];
  const seen = new Set<string>();
  for (const pin of candidates) {
    if (pin.requestid === keep.requestid || seen.has(pin.requestid)) continue;
    // Services with only partial matching may hand back near misses: check the name ourselves.
    if (pin.pin?.name !== keep.name) continue;
    const created = Date.parse(pin.created);
    if (Number.isNaN(created) || created >= cutoff) continue;
    seen.add(pin.requestid);
    out.push(pin);
  }
  return out;
}

/**
 * Whether a failed `POST /pins` was refused because of our origins (Pinata answers
 * 400 INVALID_ORIGINS to private or loopback addresses). Then we retry once without them:
 * origins are hints, the pin works without them since we dial the delegates ourselves.
 */
export function isOriginsRejection(err: unknown): boolean {
  if (!isIpfsPinError(err)) return false;
  if (err.status !== 400 && err.code !== 'PSA_BAD_REQUEST') return false;
  const said = `${err.reason ?? ''} ${err.details ?? ''}`;
  return /origin/i.test(said);
}

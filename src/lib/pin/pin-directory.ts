import { CustomProgressEvent } from '../progress.js';
import { emit } from './emit.js';
import { IpfsPinError, abortError, isIpfsPinError } from '../errors.js';
import { createNode } from '../node/index.js';
import { statImportRoot } from '../unixfs/walk.js';
import type { IpfsNode, NodeOptions } from '../node/types.js';
import type { PinningClient } from '../psa/types.js';
import { createDeadline } from './deadline.js';
import { checkCarPath } from '../unixfs/car-file.js';
import { MAX_NAME_BYTES, defaultPinName, truncateUtf8 } from './name.js';
import { policyState, requiredPins } from './policy.js';
import { pinOnService, policyStop } from './service-flow.js';
import { createServiceClients, resolveServices } from './services.js';
import type { PinDirectoryOptions, PinDirectoryResult, ServiceResult } from './types.js';
import { DEFAULT_POLL_MAX_MS, DEFAULT_POLL_MIN_MS, DEFAULT_TIMEOUT_MS } from './wait-for-pinned.js';
import { isAborted } from '../util/abort.js';

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
  const onProgress = options.onProgress;
  const signal = options.signal;
  // Clients first: a malformed endpoint fails here, before any work.
  const clients = createServiceClients(services, {
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });

  if (signal?.aborted === true) throw abortError(signal, 'pinning');
  // A missing path fails before a node starts (the import would find it, after the start-up).
  await statImportRoot(options.path);
  if (options.car !== undefined) await checkCarPath(options.car, options.path);
  const deadline = createDeadline(timeoutMs);
  const ownNode = options.node === undefined;
  let node: IpfsNode;
  try {
    node = options.node ?? (await createNode(nodeOptions(options)));
  } catch (err) {
    deadline.clear();
    throw err;
  }
  let keep = false;
  // A big import checks the tokens meanwhile, so a wrong one fails in seconds, not after it.
  const early = earlyAccessCheck(clients, services, required, signal);
  try {
    let imported;
    try {
      imported = await node.import(options.path, {
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.hidden === undefined ? {} : { hidden: options.hidden }),
        ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
        ...(options.car === undefined ? {} : { car: options.car }),
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
    emit(onProgress, new CustomProgressEvent('pin:import:done', imported));
    const cid = imported.cid.toString();
    const name = truncateUtf8(options.name?.trim() || defaultPinName(options.path, cid), MAX_NAME_BYTES);
    const origins = node.origins();

    // Aborted by us once the policy is decided (unless waitForAll), and by the caller.
    const stop = new AbortController();
    const jobSignal = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
    let pinned = 0;
    let finished = 0;
    let results: ServiceResult[];
    try {
      results = await Promise.all(
        services.map(async (service, index) => {
          const result = await pinOnService({
            service,
            client: clients[index]!,
            cid,
            name,
            ...(options.meta === undefined ? {} : { meta: options.meta }),
            origins,
            node,
            deadline,
            signal: jobSignal,
            ...(onProgress === undefined ? {} : { onProgress }),
            wait,
            replace: options.replace ?? false,
            deleteOnTimeout: options.deleteOnTimeout ?? false,
            pollMinMs: options.pollMinMs ?? DEFAULT_POLL_MIN_MS,
            pollMaxMs: options.pollMaxMs ?? DEFAULT_POLL_MAX_MS,
            random: options.random ?? Math.random,
          });
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

    const stats = node.stats();
    const result: PinDirectoryResult = {
      cid,
      import: imported,
      services: results,
      ok: pinned >= required,
      served: { blocks: stats.blocksServed, bytes: stats.bytesServed },
    };
    if (isAborted(signal)) {
      const reason = abortError(signal, 'pinning');
      throw new IpfsPinError('ABORTED', reason.message, { data: { cid, services: results }, cause: reason });
    }
    if (options.keepNode === true) {
      result.node = node;
      keep = true;
    }
    return result;
  } finally {
    deadline.clear();
    // Only the node we made is ours to stop; it runs until every service finished.
    if (ownNode && !keep) await node.stop();
  }
}

/** Imports at least this big check the services' tokens while they run. */
const EARLY_CHECK_BYTES = 64 * 1_048_576;
const EARLY_CHECK_FILES = 5_000;

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
 * for the one error that no waiting fixes.
 */
function earlyAccessCheck(
  clients: PinningClient[],
  services: { label: string }[],
  required: number,
  signal: AbortSignal | undefined,
): EarlyCheck {
  const stopImport = new AbortController();
  const checks = new AbortController();
  let started = false;
  let rejected = 0;
  let failure: IpfsPinError | undefined;
  const check = async (client: PinningClient, label: string): Promise<void> => {
    try {
      for await (const pin of client.list({ limit: 1 }, { signal: checks.signal })) {
        void pin;
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
      clients.forEach((client, i) => void check(client, services[i]?.label ?? client.endpoint));
    },
    failure: () => failure,
    stop: () => checks.abort(),
  };
}

function succeeded(result: ServiceResult, wait: boolean): boolean {
  if (result.error !== undefined) return false;
  return wait ? result.status === 'pinned' : result.requestid !== undefined;
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

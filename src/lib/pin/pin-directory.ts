import { CustomProgressEvent } from '../progress.js';
import { emit } from './emit.js';
import { IpfsPinError, abortError } from '../errors.js';
import { createNode } from '../node/index.js';
import { statImportRoot } from '../unixfs/walk.js';
import type { IpfsNode, NodeOptions } from '../node/types.js';
import { createPinningClient } from '../psa/client.js';
import { createDeadline } from './deadline.js';
import { MAX_NAME_BYTES, defaultPinName, truncateUtf8 } from './name.js';
import { policyState, requiredPins } from './policy.js';
import { pinOnService, policyStop } from './service-flow.js';
import { resolveServices } from './services.js';
import type { PinDirectoryOptions, PinDirectoryResult, ServiceResult } from './types.js';
import { DEFAULT_POLL_MAX_MS, DEFAULT_POLL_MIN_MS, DEFAULT_TIMEOUT_MS } from './wait-for-pinned.js';

/**
 * The whole job: import `path` into an IPFS node, pin the CID on every service (reusing
 * a pin of the same CID that is already there), serve the data and dial each service's
 * delegates until the services report `pinned`, then stop the node.
 *
 * Resolves with one result per service and `ok` telling whether the policy was met;
 * throws for wrong options, a failed import or node, and ABORTED when `signal` fires
 * (with the services' results in `data`). The deadline (`timeoutMs`) starts once the
 * import is done and covers submitting and waiting.
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
  const clients = services.map((service) =>
    createPinningClient({
      endpoint: service.endpoint,
      ...(service.token === undefined ? {} : { token: service.token }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      minIntervalMs: service.minIntervalMs,
      // The lookup for an existing pin and the submit go back to back (one step for the
      // user, a second early); the budget holds from then on.
      burst: 2,
      ...(options.random === undefined ? {} : { random: options.random }),
    }),
  );

  if (signal?.aborted === true) throw abortError(signal, 'pinning');
  // A missing path fails before a node starts (the import would find it, after the start-up).
  await statImportRoot(options.path);
  const ownNode = options.node === undefined;
  const node: IpfsNode = options.node ?? (await createNode(nodeOptions(options)));
  let keep = false;
  try {
    const imported = await node.import(options.path, {
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.hidden === undefined ? {} : { hidden: options.hidden }),
      ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
      ...(signal === undefined ? {} : { signal }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    emit(onProgress, new CustomProgressEvent('pin:import:done', imported));
    const cid = imported.cid.toString();
    const name = truncateUtf8(options.name?.trim() || defaultPinName(options.path, cid), MAX_NAME_BYTES);
    const origins = node.origins();

    const deadline = createDeadline(timeoutMs);
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
    // Only the node we made is ours to stop; it runs until every service finished.
    if (ownNode && !keep) await node.stop();
  }
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
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  };
}

// A function, so TypeScript does not keep an earlier narrowing of `aborted`.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

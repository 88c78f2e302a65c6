import * as dagPb from '@ipld/dag-pb';
import * as raw from 'multiformats/codecs/raw';
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import { IpfsPinError, abortError, errorMessage } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import type { CallOptions, ProgressEvent } from '../progress.js';
import { backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { checkGatewayTemplate, gatewayUrl } from './inputs.js';
import { isAborted } from '../util/abort.js';
import { formatBytes } from '../util/format.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, checkRedirect } from '../util/redirect.js';
import { MAX_CID_BYTES, MAX_HEADER_BYTES, readBoundedCar } from './bounded-car.js';

export type VerifyProgressEvent =
  | ProgressEvent<
      'verify:attempt:failed',
      { url: string; attempt: number; reason: string; retryInMs: number }
    >
  | ProgressEvent<'verify:done', VerifyResult>;

export interface VerifyOptions extends CallOptions<VerifyProgressEvent> {
  /** Gateway template (see gatewayUrl), e.g. `https://{cid}.ipfs.dweb.link/`. */
  gateway: string;
  /** Keep trying this long (ms). Default 5 min. */
  timeoutMs?: number;
  /** One attempt at most this long (ms). Default 60 s, never past the deadline. */
  attemptTimeoutMs?: number;
  /**
   * What the import made (ImportResult.dag): the gateway may send no more blocks and bytes
   * than this, nor link to more blocks. Without it, DEFAULT_VERIFY_LIMITS.
   */
  dag?: { blocks: number; bytes: number };
  /** Injected fetch (tests). */
  fetch?: typeof globalThis.fetch;
}

/**
 * The bound when the DAG's size is not given: 100,000 blocks (some 100 GiB of 1 MiB chunks)
 * and 128 GiB. The CIDs seen are what a check keeps, some 150 bytes a block.
 */
export const DEFAULT_VERIFY_LIMITS = { blocks: 100_000, bytes: 128 * 1024 ** 3 };

export interface VerifyResult {
  cid: string;
  url: string;
  blocks: number;
  bytes: number;
  attempts: number;
  ms: number;
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 5 * 60_000;

/**
 * Proof that a link works: fetches the CID from a gateway as a trustless response (a CAR:
 * `?format=car`, `Accept: application/vnd.ipld.car`), checks that every block hashes to its
 * CID and that the DAG is complete (every link of every block is in the response), and
 * retries with backoff until `timeoutMs`. `pinned` means the service holds the blocks; this
 * says a gateway serves them. Resolves with what was checked; throws VERIFY_FAILED saying
 * what was missing or wrong (the pin is not touched), ABORTED on `signal`.
 */
export async function verifyCid(cid: string, options: VerifyOptions): Promise<VerifyResult> {
  checkGatewayTemplate(options.gateway);
  let root: CID;
  try {
    root = CID.parse(cid);
  } catch {
    throw new IpfsPinError('INVALID_INPUT', `verify: '${cid}' is not a CID`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new IpfsPinError('INVALID_INPUT', 'verify: timeoutMs must be above 0');
  const started = Date.now();
  const deadline = started + timeoutMs;
  const doFetch = options.fetch ?? globalThis.fetch;
  const url = carUrl(gatewayUrl(options.gateway, root.toString()));
  const limits = checkLimits(options.dag);
  let attempt = 0;
  let last: string | undefined;
  for (;;) {
    attempt++;
    if (isAborted(options.signal)) throw abortError(options.signal, 'Verifying');
    const remaining = deadline - Date.now();
    const attemptSignal = AbortSignal.any([
      AbortSignal.timeout(Math.max(1, Math.min(remaining, options.attemptTimeoutMs ?? 60_000))),
      ...(options.signal === undefined ? [] : [options.signal]),
    ]);
    try {
      const checked = await checkOnce(doFetch, url, root, limits, attemptSignal);
      const result: VerifyResult = {
        cid: root.toString(),
        url,
        ...checked,
        attempts: attempt,
        ms: Date.now() - started,
      };
      options.onProgress?.(new CustomProgressEvent('verify:done', result));
      return result;
    } catch (err) {
      if (isAborted(options.signal)) throw abortError(options.signal, 'Verifying');
      // An attempt the deadline cut short says only that time ran out: the reason the
      // attempt before it failed (a refused block, a missing one) is what the user needs.
      const cutByDeadline = attemptSignal.aborted && Date.now() >= deadline;
      if (!cutByDeadline || last === undefined) last = errorMessage(err);
    }
    const wait = backoffDelay(attempt - 1, { baseMs: 1_000, maxMs: 30_000, random: Math.random });
    if (Date.now() + wait >= deadline) {
      throw new IpfsPinError(
        'VERIFY_FAILED',
        `${url} did not serve the whole DAG of ${root.toString()} within ${Math.round(timeoutMs / 1000)} s (${attempt} attempts): ${last}. The pin stays on the services.`,
        { data: { cid: root.toString(), url, attempts: attempt } },
      );
    }
    options.onProgress?.(
      new CustomProgressEvent('verify:attempt:failed', { url, attempt, reason: last, retryInMs: wait }),
    );
    await sleep(wait, options.signal).catch(() => {
      throw abortError(options.signal, 'Verifying');
    });
  }
}

function carUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('format', 'car');
  return u.toString();
}

function checkLimits(dag: VerifyOptions['dag']): { blocks: number; bytes: number } {
  if (dag === undefined) return DEFAULT_VERIFY_LIMITS;
  for (const [key, value] of Object.entries(dag))
    if (!Number.isSafeInteger(value) || value < 1)
      throw new IpfsPinError(
        'INVALID_INPUT',
        `verify: dag.${key} must be a whole number above 0, got ${value}`,
      );
  return dag;
}

const HASHERS = new Map<number, (bytes: Uint8Array) => Promise<Uint8Array> | Uint8Array>([
  [sha256.code, async (b) => (await sha256.digest(b)).bytes],
  [identity.code, (b) => identity.digest(b).bytes],
]);

/** The same block whatever the CID version it is named with (a CIDv0 is a dag-pb CIDv1). */
const blockKey = (cid: CID): string => cid.toV1().toString();

/**
 * The CAR answer, redirects followed only within the gateway's origin (or from http to
 * https on the same host), as the Pinning Service API client does: a gateway must not
 * steer us to another host, least of all an internal address.
 */
async function fetchCar(
  doFetch: typeof globalThis.fetch,
  url: string,
  signal: AbortSignal,
): Promise<Response> {
  const origin = new URL(url).origin;
  let at = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await doFetch(at, {
      headers: { accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
      redirect: 'manual',
      signal,
    });
    const location = res.headers.get('location');
    if (!REDIRECT_STATUSES.has(res.status) || location === null) return res;
    await res.body?.cancel().catch(() => undefined);
    const where = `${at.origin}${at.pathname}`;
    if (hop + 1 > MAX_REDIRECTS)
      throw new Error(`more than ${MAX_REDIRECTS} redirects from ${where}: use the final URL as the gateway`);
    const target = checkRedirect(location, at, origin);
    if (!target.ok && target.problem === 'invalid-url')
      throw new Error(`HTTP ${res.status} from ${where} redirects to an invalid URL`);
    if (!target.ok && target.problem === 'scheme')
      throw new Error(`HTTP ${res.status} from ${where} redirects to a ${target.next.protocol} URL`);
    if (!target.ok)
      throw new Error(
        `HTTP ${res.status} from ${where} redirects to another origin (${target.next.origin}); ipfs-pin follows a gateway's redirects only within its origin. If that gateway is the right one, use its URL form as the gateway (e.g. https://{cid}.ipfs.dweb.link/)`,
      );
    at = target.next;
  }
}

/**
 * One fetch, read as a stream with nothing unbounded in memory: the header must name the
 * root, each block must be one the walk asked for (the root or a link of another block),
 * hash to its CID and be raw or dag-pb; the blocks, their bytes and the blocks linked to
 * stay within what the import made. Kept: one entry a block of the DAG. Then completeness.
 */
async function checkOnce(
  doFetch: typeof globalThis.fetch,
  url: string,
  root: CID,
  limits: { blocks: number; bytes: number },
  signal: AbortSignal,
): Promise<{ blocks: number; bytes: number }> {
  const res = await fetchCar(doFetch, url, signal);
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${res.status}`);
  }
  // Each section carries a CID and its length besides the block.
  const maxBytes = MAX_HEADER_BYTES + limits.bytes + limits.blocks * (MAX_CID_BYTES + 8);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body.cancel().catch(() => {});
    throw new Error(
      `the gateway's answer declares ${formatBytes(declared)}, more than a CAR of this DAG (${formatBytes(limits.bytes)} in ${limits.blocks} blocks) can be`,
    );
  }
  const car = await readBoundedCar(res.body as AsyncIterable<Uint8Array>, { maxBytes });
  try {
    if (car.version !== 1) throw new Error(`the gateway sent a CARv${car.version}; a CARv1 was asked for`);
    const rootKey = blockKey(root);
    if (car.roots.length !== 1 || blockKey(car.roots[0]!) !== rootKey)
      throw new Error(
        `the gateway's CAR names the root ${car.roots.map((r) => r.toString()).join(', ') || '(none)'}, not ${root.toString()}`,
      );
    // A gateway that says it sends depth-first (boxo says `order=dfs` in its content type)
    // must send each block after the block linking to it: one that nothing asked for fails
    // at once. In any other order a block may come before its parent, and the same rule is
    // checked at the end. Either way the blocks tracked stay within what the import made.
    const ordered = /;\s*order=dfs\b/i.test(res.headers.get('content-type') ?? '');
    const LINKED = 1;
    const RECEIVED = 2;
    const state = new Map<string, number>([[rootKey, LINKED]]);
    const track = (key: string, flag: number, what: () => string): void => {
      const was = state.get(key) ?? 0;
      state.set(key, was | flag);
      if (was === 0 && state.size > limits.blocks) throw new Error(what());
    };
    let received = 0;
    let distinct = 0;
    let distinctBytes = 0;
    let bytes = 0;
    for await (const { cid, bytes: data } of car.blocks) {
      const key = blockKey(cid);
      const was = state.get(key) ?? 0;
      if (ordered && (was & LINKED) === 0)
        throw new Error(
          `the gateway sent the block ${cid.toString()}, which no block of the DAG before it links to`,
        );
      received++;
      bytes += data.byteLength;
      if (received > limits.blocks)
        throw new Error(`the gateway sent more than the ${limits.blocks} blocks the import made`);
      if (bytes > limits.bytes)
        throw new Error(
          `the gateway sent more than the ${formatBytes(limits.bytes)} of blocks the import made`,
        );
      if (cid.code !== dagPb.code && cid.code !== raw.code)
        throw new Error(
          `block ${cid.toString()} has the codec 0x${cid.code.toString(16)}; a UnixFS DAG holds dag-pb and raw blocks only`,
        );
      const hash = HASHERS.get(cid.multihash.code);
      if (hash === undefined)
        throw new Error(
          `block ${cid.toString()} uses a hash this check does not know (0x${cid.multihash.code.toString(16)})`,
        );
      const digest = await hash(data);
      if (!equal(digest, cid.multihash.bytes))
        throw new Error(`block ${cid.toString()} does not hash to its CID: the gateway sent wrong data`);
      // The same block again (a gateway may repeat one): counted, checked, nothing new.
      if ((was & RECEIVED) !== 0) continue;
      track(key, RECEIVED, () => `the gateway sent more than the ${limits.blocks} blocks the import made`);
      distinct++;
      distinctBytes += data.byteLength;
      if (cid.code !== dagPb.code) continue;
      let links;
      try {
        links = dagPb.decode(data).Links;
      } catch (err) {
        throw new Error(`block ${cid.toString()} is not valid dag-pb (${errorMessage(err)})`, { cause: err });
      }
      for (const link of links)
        track(
          blockKey(link.Hash),
          LINKED,
          () =>
            `the gateway's blocks link to more than the ${limits.blocks} blocks the import made (block ${cid.toString()} has ${links.length} links)`,
        );
    }
    const missing: string[] = [];
    const stray: string[] = [];
    for (const [key, flags] of state) {
      if ((flags & RECEIVED) === 0) missing.push(key);
      else if ((flags & LINKED) === 0) stray.push(key);
    }
    if (stray.length > 0)
      throw new Error(
        `the gateway sent ${stray.length} blocks that no block of the DAG links to (first: ${stray.slice(0, 3).join(', ')})`,
      );
    if (missing.length > 0) {
      throw new Error(
        `${missing.length} of ${state.size} blocks missing from the response (first: ${missing.slice(0, 3).join(', ')})`,
      );
    }
    return { blocks: distinct, bytes: distinctBytes };
  } finally {
    await car.close();
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

import { CarBlockIterator } from '@ipld/car/iterator';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import { IpfsPinError, abortError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import type { CallOptions, ProgressEvent } from '../progress.js';
import { backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { checkGatewayTemplate, gatewayUrl } from './gateway.js';
import { isAborted } from '../util/abort.js';

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
  /** Injected fetch (tests). */
  fetch?: typeof globalThis.fetch;
}

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
  let attempt = 0;
  let last: string;
  for (;;) {
    attempt++;
    if (isAborted(options.signal)) throw abortError(options.signal, 'Verifying');
    const remaining = deadline - Date.now();
    const attemptSignal = AbortSignal.any([
      AbortSignal.timeout(Math.max(1, Math.min(remaining, options.attemptTimeoutMs ?? 60_000))),
      ...(options.signal === undefined ? [] : [options.signal]),
    ]);
    try {
      const checked = await checkOnce(doFetch, url, root, attemptSignal);
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
      last = err instanceof Error ? err.message : String(err);
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

const HASHERS = new Map<number, (bytes: Uint8Array) => Promise<Uint8Array> | Uint8Array>([
  [sha256.code, async (b) => (await sha256.digest(b)).bytes],
  [identity.code, (b) => identity.digest(b).bytes],
]);

/** One fetch: every block checked as it streams (nothing kept but CIDs), then completeness. */
async function checkOnce(
  doFetch: typeof globalThis.fetch,
  url: string,
  root: CID,
  signal: AbortSignal,
): Promise<{ blocks: number; bytes: number }> {
  const res = await doFetch(url, { headers: { accept: 'application/vnd.ipld.car' }, signal });
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${res.status}`);
  }
  const have = new Set<string>();
  const wanted = new Set<string>([root.toString()]);
  let bytes = 0;
  const iterator = await CarBlockIterator.fromIterable(res.body as AsyncIterable<Uint8Array>);
  for await (const { cid, bytes: data } of iterator) {
    const hash = HASHERS.get(cid.multihash.code);
    if (hash === undefined)
      throw new Error(
        `block ${cid.toString()} uses a hash this check does not know (0x${cid.multihash.code.toString(16)})`,
      );
    const digest = await hash(data);
    if (!equal(digest, cid.multihash.bytes))
      throw new Error(`block ${cid.toString()} does not hash to its CID: the gateway sent wrong data`);
    have.add(cid.toString());
    bytes += data.byteLength;
    if (cid.code === dagPb.code)
      for (const link of dagPb.decode(data).Links) wanted.add(link.Hash.toString());
  }
  const missing = [...wanted].filter((c) => !have.has(c));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} of ${wanted.size} blocks missing from the response (first: ${missing.slice(0, 3).join(', ')})`,
    );
  }
  return { blocks: have.size, bytes };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

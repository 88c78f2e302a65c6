import { IpfsPinError } from '../errors.js';
import { normaliseEndpoint } from './endpoint.js';
import { listAll } from './list.js';
import { encodeListQuery, encodeQueryValue } from './list-query.js';
import { AttemptFailure, call, createPacer } from './retry.js';
import { sameCid } from './same-cid.js';
import { requestidProblem } from './text.js';
import type { CallContext, CallScope } from './retry.js';
import type { PsaResponse } from './send.js';
import { parseJsonBody, toPinResults, toPinStatus } from './validate.js';
import type { BodyOrigin } from './validate.js';
import type {
  ListQuery,
  Pin,
  PinResults,
  PinStatus,
  PinningClient,
  PinningClientOptions,
  PsaCallOptions,
  Status,
} from './types.js';

const ALL_STATUSES: Status[] = ['queued', 'pinning', 'pinned', 'failed'];
// A `failed` pin found after an ambiguous POST counts as ours only if this recent
// (allowing for clock skew): an older one is a past attempt, not this call's.
const FAILED_RECENT_MS = 120_000;

/**
 * A Pinning Service API client that survives real services: retries with backoff,
 * Retry-After, a per-call deadline, a request budget, lenient parsing of what real
 * services send, no duplicate pins after an ambiguous POST, and a token that goes
 * only into the Authorization header of requests to the endpoint's origin.
 */
export function createPinningClient(options: PinningClientOptions): PinningClient {
  const endpoint = normaliseEndpoint(options.endpoint);
  const token = checkToken(options.token);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const ctx: CallContext = {
    endpoint,
    token,
    // Called unbound: a browser's fetch throws "Illegal invocation" as a method of ctx.
    fetch: (input, init) => fetchImpl(input, init),
    pace: createPacer(
      nonNegative('minIntervalMs', options.minIntervalMs, 0),
      Math.floor(positive('burst', options.burst, 1)),
    ),
    policy: {
      callTimeoutMs: timeoutMs('callTimeoutMs', options.callTimeoutMs, 60_000),
      requestTimeoutMs: timeoutMs('requestTimeoutMs', options.requestTimeoutMs, 30_000),
      maxAttempts: Math.floor(positive('maxAttempts', options.maxAttempts, 6)),
      retryBaseMs: nonNegative('retryBaseMs', options.retryBaseMs, 500),
      retryMaxMs: nonNegative('retryMaxMs', options.retryMaxMs, 30_000),
      random: options.random ?? Math.random,
    },
  };
  const secrets = [token];
  const origin = (res: PsaResponse, method: string): BodyOrigin => ({
    method,
    url: res.url,
    status: res.status,
    text: res.text,
    secrets,
  });
  const pinStatusOf = (method: string) => (res: PsaResponse) =>
    toPinStatus(parseJsonBody(origin(res, method)), origin(res, method));
  const pinResultsOf = (res: PsaResponse): PinResults =>
    toPinResults(parseJsonBody(origin(res, 'GET')), origin(res, 'GET'));

  /** After an ambiguous POST: the pin that POST may have created, if the service has it. */
  const findCreated = async (
    scope: CallScope,
    pin: Pin,
    since: number,
    not?: string,
  ): Promise<PinStatus | undefined> => {
    const res = await scope.exchange({
      method: 'GET',
      path: '/pins',
      query: encodeListQuery({ cid: [pin.cid], status: ALL_STATUSES }),
    });
    const matches = pinResultsOf(res).results.filter(
      (r) => sameCid(r.pin.cid, pin.cid) && (r.pin.name ?? '') === (pin.name ?? '') && r.requestid !== not,
    );
    const newest = (list: PinStatus[]): PinStatus | undefined =>
      list.sort((a, b) => (Date.parse(b.created) || 0) - (Date.parse(a.created) || 0))[0];
    return (
      newest(matches.filter((r) => r.status !== 'failed')) ??
      newest(
        matches.filter((r) => r.status === 'failed' && Date.parse(r.created) >= since - FAILED_RECENT_MS),
      )
    );
  };

  return {
    endpoint,

    async add(pin: Pin, callOptions: PsaCallOptions = {}): Promise<PinStatus> {
      checkPin(pin, 'add');
      const since = Date.now();
      return call(ctx, { method: 'POST', path: '/pins', body: pin }, callOptions, {
        parse: pinStatusOf('POST'),
        recover: (scope) => findCreated(scope, pin, since),
      });
    },

    async get(requestid: string, callOptions: PsaCallOptions = {}): Promise<PinStatus> {
      const path = pinPath(requestid, 'get');
      return call(ctx, { method: 'GET', path }, callOptions, { parse: pinStatusOf('GET') });
    },

    list(query: ListQuery = {}, callOptions: PsaCallOptions = {}): AsyncIterable<PinStatus> {
      return listAll(query, (page) =>
        call(ctx, { method: 'GET', path: '/pins', query: encodeListQuery(page) }, callOptions, {
          parse: pinResultsOf,
        }),
      );
    },

    async replace(requestid: string, pin: Pin, callOptions: PsaCallOptions = {}): Promise<PinStatus> {
      const path = pinPath(requestid, 'replace');
      checkPin(pin, 'replace');
      const since = Date.now();
      return call(ctx, { method: 'POST', path, body: pin }, callOptions, {
        parse: pinStatusOf('POST'),
        recover: async (scope) => {
          try {
            // The old pin is still there: the replace did not happen, send it again.
            await scope.exchange({ method: 'GET', path });
            return undefined;
          } catch (err) {
            if (!(err instanceof AttemptFailure && err.error.status === 404)) throw err;
          }
          return findCreated(scope, pin, since, requestid);
        },
      });
    },

    async remove(requestid: string, callOptions: PsaCallOptions = {}): Promise<void> {
      const path = pinPath(requestid, 'remove');
      // Any 2xx will do: Pinata answers 200 text/plain "OK" where the spec says 202.
      await call(ctx, { method: 'DELETE', path }, callOptions, { parse: () => undefined });
    },
  };
}

function checkToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== 'string') throw new IpfsPinError('INVALID_INPUT', 'The token must be a string.');
  // Secrets pasted into CI settings often end with a newline.
  const clean = token.trim().replace(/^bearer\s+/i, '');
  if (clean === '') return undefined;
  // Never echo it: fetch's own error for a bad header value would quote it.
  if (!/^[\x21-\x7e]+$/.test(clean)) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      'The token contains spaces, line breaks or non-ASCII characters, which cannot go in an HTTP header: copy it again.',
    );
  }
  return clean;
}

function checkPin(pin: Pin, fn: string): void {
  const bad = (what: string): IpfsPinError => new IpfsPinError('INVALID_INPUT', `${fn}(): ${what}`);
  if (typeof pin !== 'object' || pin === null)
    throw bad('pass a pin object: { cid, name?, origins?, meta? }.');
  if (typeof pin.cid !== 'string' || pin.cid.trim() === '')
    throw bad('pin.cid must be a non-empty CID string.');
  if (pin.name !== undefined && (typeof pin.name !== 'string' || Buffer.byteLength(pin.name, 'utf8') > 255)) {
    throw bad('pin.name must be a string of at most 255 bytes (UTF-8): shorten it.');
  }
  if (pin.origins !== undefined && (!Array.isArray(pin.origins) || pin.origins.length > 20)) {
    throw bad('pin.origins must be an array of at most 20 multiaddrs.');
  }
}

function pinPath(requestid: string, fn: string): string {
  const problem = requestidProblem(requestid);
  if (problem !== undefined) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${fn}(): the requestid ${problem}: pass the requestid the service gave.`,
    );
  }
  return `/pins/${encodeQueryValue(requestid)}`;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new IpfsPinError('INVALID_INPUT', `${name} must be a positive number, got ${String(value)}.`);
  return value;
}

// Node fires timers above 2^31-1 ms at once: Infinity means "as long as a timer can wait".
const TIMER_MAX_MS = 2 ** 31 - 1;

function timeoutMs(name: string, value: number | undefined, fallback: number): number {
  if (value === Number.POSITIVE_INFINITY) return TIMER_MAX_MS;
  return Math.min(TIMER_MAX_MS, positive(name, value, fallback));
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new IpfsPinError('INVALID_INPUT', `${name} must be 0 or more, got ${String(value)}.`);
  return value;
}

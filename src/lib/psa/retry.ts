import { IpfsPinError, abortError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { backoffDelay, parseRetryAfter } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { errorFromResponse } from './failure.js';
import { sendOnce } from './send.js';
import type { PsaRequest, PsaResponse, SendContext } from './send.js';
import { redact } from './text.js';
import type { PsaCallOptions, PsaProgressEvent } from './types.js';
import { isAborted } from '../util/abort.js';

export interface RetryPolicy {
  callTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  random: () => number;
}

export interface CallContext extends SendContext {
  policy: RetryPolicy;
  /** More secrets than the token to keep out of errors (a Basic password, S3 keys). */
  secrets?: readonly (string | undefined)[];
}

/** Why one attempt failed, and whether another may help. Never leaves this module's callers. */
export class AttemptFailure extends Error {
  readonly error: IpfsPinError;
  readonly retryable: boolean;
  /** The request may have reached the service and taken effect. */
  readonly ambiguous: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(error: IpfsPinError, retryable: boolean, ambiguous: boolean, retryAfterMs?: number) {
    super(error.message);
    this.error = error;
    this.retryable = retryable;
    this.ambiguous = ambiguous;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The per-call signal pair handed to `recover`, so it can make its own exchanges. */
export interface CallScope {
  signal: AbortSignal;
  attempt: number;
  /** One exchange under this call's deadline; throws AttemptFailure on a non-2xx answer. */
  exchange: (req: PsaRequest) => Promise<PsaResponse>;
}

export interface CallSpec<T> {
  parse: (res: PsaResponse) => T;
  /**
   * Runs before re-sending after an ambiguous failure (the request may have taken
   * effect): returns what the earlier attempt created, or undefined to send again.
   */
  recover?: (scope: CallScope) => Promise<T | undefined>;
}

// 501 and 505 say the service will never do it: retrying cannot help.
const RETRY_STATUS = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
// The connection was never made, so the request cannot have taken effect.
const UNREACHED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * One client call: retries transient failures (429 honouring Retry-After, 408, 5xx,
 * network errors, attempt timeouts) with exponential backoff and jitter, within
 * `callTimeoutMs` and `maxAttempts`. Every failure it reports is an IpfsPinError.
 */
export async function call<T>(
  ctx: CallContext,
  req: PsaRequest,
  options: PsaCallOptions,
  spec: CallSpec<T>,
): Promise<T> {
  const { policy } = ctx;
  const user = options.signal;
  const label = `${req.method} ${ctx.endpoint}${req.path}`;
  if (user?.aborted === true) throw abortError(user, label);
  const deadline = AbortSignal.timeout(policy.callTimeoutMs);
  const deadlineAt = Date.now() + policy.callTimeoutMs;
  const signal = user === undefined ? deadline : AbortSignal.any([user, deadline]);
  let ambiguous = false;
  let last: AttemptFailure | undefined;

  const stopped = (attempt: number): IpfsPinError | undefined => {
    if (isAborted(user)) return abortError(user, label);
    if (deadline.aborted) {
      const tail = last === undefined ? '' : ` Last failure: ${last.error.message}`;
      return new IpfsPinError(
        'PSA_TIMEOUT',
        `${label} did not finish within callTimeoutMs (${policy.callTimeoutMs} ms, attempt ${attempt}). Retry later or raise callTimeoutMs.${tail}`,
        {
          ...(last === undefined ? {} : { cause: last.error }),
          data: { method: req.method, path: req.path, attempts: attempt },
        },
      );
    }
    return undefined;
  };

  for (let attempt = 1; ; attempt++) {
    const scope: CallScope = {
      signal,
      attempt,
      exchange: (r) => exchange(ctx, r, signal, attempt, options),
    };
    try {
      if (ambiguous && spec.recover !== undefined) {
        const found = await recoverOrSkip(spec.recover, scope);
        if (found !== undefined) return found;
      }
      const res = await scope.exchange(req);
      return spec.parse(res);
    } catch (err) {
      const stop = stopped(attempt);
      if (stop !== undefined) throw stop;
      // IpfsPinError is final (bad response, redirect trouble). Anything else is a bug of
      // ours: let it surface as it is rather than disguise it as a network error.
      if (!(err instanceof AttemptFailure)) throw err;
      last = err;
      ambiguous ||= err.ambiguous;
      if (!err.retryable || attempt >= policy.maxAttempts) throw err.error;
    }

    const remaining = deadlineAt - Date.now();
    let delayMs = backoffDelay(attempt - 1, {
      baseMs: policy.retryBaseMs,
      maxMs: policy.retryMaxMs,
      random: policy.random,
    });
    if (last.retryAfterMs !== undefined) {
      if (last.retryAfterMs >= remaining) throw waitPastDeadline(last, remaining);
      delayMs = last.retryAfterMs;
    } else if (delayMs >= remaining) {
      // Waiting would only run into the deadline: report the real failure now.
      throw last.error;
    }
    emit(
      options,
      new CustomProgressEvent('psa:request:retry', {
        method: req.method,
        path: req.path,
        attempt,
        delayMs,
        ...(last.error.status === undefined ? {} : { status: last.error.status }),
        code: last.error.code,
      }),
    );
    try {
      await sleep(delayMs, signal);
    } catch (err) {
      if (isAborted(user)) throw abortError(user, label);
      // The deadline came during the wait: the last failure is the story.
      if (deadline.aborted) throw last.error;
      throw err;
    }
  }
}

async function recoverOrSkip<T>(
  recover: NonNullable<CallSpec<T>['recover']>,
  scope: CallScope,
): Promise<T | undefined> {
  try {
    return await recover(scope);
  } catch (err) {
    // A lookup the service cannot answer (e.g. 400 on a status list) must not block the
    // call: send again. A transient one counts as this attempt's failure.
    if (err instanceof AttemptFailure && !err.retryable) return undefined;
    // So must an answer we cannot read.
    if (err instanceof IpfsPinError && err.code === 'PSA_BAD_RESPONSE') return undefined;
    throw err;
  }
}

/** One HTTP exchange with its own attempt timeout; a non-2xx answer throws AttemptFailure. */
async function exchange(
  ctx: CallContext,
  req: PsaRequest,
  callSignal: AbortSignal,
  attempt: number,
  options: PsaCallOptions,
): Promise<PsaResponse> {
  const secrets = [ctx.token, ...(ctx.secrets ?? [])];
  const url = `${ctx.endpoint}${req.path}`;
  // The budget wait comes before the attempt's own clock starts. It rejects only when
  // the call is aborted or past its deadline, which call() reports.
  await ctx.pace(callSignal);
  const sentAt = Date.now();
  const t0 = performance.now();
  const timeout = AbortSignal.timeout(ctx.policy.requestTimeoutMs);
  let res: PsaResponse;
  try {
    res = await sendOnce(ctx, req, AbortSignal.any([callSignal, timeout]));
  } catch (err) {
    if (callSignal.aborted || err instanceof IpfsPinError) throw err;
    const after = attempt > 1 ? ` (after ${attempt} attempts)` : '';
    if (timeout.aborted) {
      const error = new IpfsPinError(
        'PSA_TIMEOUT',
        `${req.method} ${url} got no answer within requestTimeoutMs (${ctx.policy.requestTimeoutMs} ms)${after}. The service is slow or stuck: retry later or raise requestTimeoutMs.`,
        { data: { method: req.method, url, attempts: attempt } },
      );
      throw new AttemptFailure(error, true, true);
    }
    const net = networkFacts(err, secrets);
    const error = new IpfsPinError(
      'PSA_NETWORK',
      `${req.method} ${url} failed: ${net.summary}${after}. Check the URL, DNS and that the service is up.`,
      { cause: net.cause, data: { method: req.method, url, attempts: attempt } },
    );
    throw new AttemptFailure(error, true, !UNREACHED.has(net.code ?? ''));
  }
  emit(
    options,
    new CustomProgressEvent('psa:request:done', {
      method: req.method,
      path: req.path,
      status: res.status,
      sentAt,
      ms: Math.round(performance.now() - t0),
    }),
  );
  if (res.status >= 200 && res.status < 300) return res;

  // Redirects stay within the endpoint's origin (send.ts), where the token goes too.
  const error = errorFromResponse(
    { method: req.method, url: res.url, status: res.status, text: res.text },
    secrets,
    { attempts: attempt },
  );
  const retryAfter =
    res.status === 429 || res.status === 503
      ? parseRetryAfter(res.headers.get('retry-after'), Date.now())
      : null;
  throw new AttemptFailure(error, RETRY_STATUS(res.status), res.status >= 500, retryAfter ?? undefined);
}

function waitPastDeadline(last: AttemptFailure, remaining: number): IpfsPinError {
  const e = last.error;
  const waitMs = last.retryAfterMs ?? 0;
  const atDate = new Date(Date.now() + waitMs);
  // An absurd Retry-After lands past the largest Date.
  const at = Number.isNaN(atDate.getTime()) ? 'a much later time' : atDate.toISOString();
  const where = typeof e.data?.url === 'string' ? e.data.url : 'the service';
  const base = `HTTP ${String(e.status)} from ${where}${e.reason === undefined ? '' : `: ${e.reason}`}`;
  return new IpfsPinError(
    e.code,
    `${base}. The service asks to wait ${Math.ceil(waitMs / 1000)} s (Retry-After), past this call's deadline (${Math.max(0, Math.round(remaining))} ms left): retry after ${at} or lower the request rate.`,
    { ...copyFields(e), data: { ...e.data, retryAfterMs: waitMs, retryAt: at } },
  );
}

function networkFacts(
  err: unknown,
  secrets: readonly (string | undefined)[],
): { summary: string; code?: string; cause: Error } {
  // undici throws TypeError('fetch failed') with the socket error as cause. Keep only
  // strings: the original objects can carry the request and its headers.
  const outer = err instanceof Error ? err : undefined;
  const inner = outer?.cause instanceof Error ? outer.cause : undefined;
  const codeOf = (e: Error | undefined): string | undefined => {
    const c = (e as { code?: unknown } | undefined)?.code;
    return typeof c === 'string' ? c : undefined;
  };
  const code = codeOf(inner) ?? codeOf(outer);
  const text = redact(
    [outer?.message, inner?.message].filter((m) => m !== undefined && m !== '').join(': ') || String(err),
    secrets,
  );
  const cause = new Error(text);
  if (code !== undefined) Object.assign(cause, { code });
  return {
    summary: code === undefined ? text : `${code} (${text})`,
    ...(code === undefined ? {} : { code }),
    cause,
  };
}

function copyFields(e: IpfsPinError): { status?: number; reason?: string; details?: string } {
  return {
    ...(e.status === undefined ? {} : { status: e.status }),
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

function emit(options: PsaCallOptions, event: PsaProgressEvent): void {
  try {
    options.onProgress?.(event);
  } catch {
    // A broken progress printer must not break a pin.
  }
}

/**
 * A request budget: one request per `minIntervalMs`, of which up to `burst` may go back to
 * back after a quiet spell (a token bucket, kept as the theoretical arrival time of the
 * next request). With `burst` 1, every request waits `minIntervalMs` after the one before.
 */
export function createPacer(minIntervalMs: number, burst = 1): (signal: AbortSignal) => Promise<void> {
  let tat = 0;
  const slack = (Math.max(1, Math.floor(burst)) - 1) * minIntervalMs;
  return async (signal) => {
    if (minIntervalMs <= 0) return;
    const now = Date.now();
    const at = Math.max(now, tat - slack);
    // Reserve the slot before waiting so concurrent calls queue up behind it.
    tat = Math.max(tat, at) + minIntervalMs;
    if (at > now) await sleep(at - now, signal);
  };
}

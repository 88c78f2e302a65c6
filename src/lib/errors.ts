/**
 * One error family for the whole library. Every failure a caller can see is an
 * `IpfsPinError` with a stable `code`; the README lists each code with what to do.
 */
export const ERROR_CODES = {
  INVALID_INPUT: 'The options or arguments are wrong: fix them as the message says.',
  PSA_UNAUTHORIZED: 'The service rejected the token: check the token and that it belongs to this endpoint.',
  PSA_FORBIDDEN:
    'The service refused the request (for example a free plan that cannot pin): check the account.',
  PSA_NOT_FOUND: 'The service does not know this pin or path: check the requestid and the endpoint URL.',
  PSA_INSUFFICIENT_FUNDS: 'The account has no credit left on the service (HTTP 409): top it up.',
  PSA_BAD_REQUEST: 'The service rejected the request as malformed (HTTP 400): its reason says what.',
  PSA_RATE_LIMITED:
    'The service kept rate limiting past the deadline: retry later or lower the request rate.',
  PSA_SERVER_ERROR: 'The service failed (HTTP 5xx) past the deadline: retry later or ask the service.',
  PSA_BAD_RESPONSE:
    'The service answered something that is not the Pinning Service API: check the endpoint URL.',
  PSA_NETWORK: 'The service could not be reached: check the URL, DNS and that the service is up.',
  PSA_TIMEOUT: 'A request to the service did not finish before its deadline.',
  PSA_REQUEST_FAILED:
    'The service rejected the request, or redirected it to another origin (not followed): the message says which.',
  IMPORT_NOT_FOUND: 'The path to import does not exist: check the path (relative to the working directory).',
  IMPORT_PERMISSION: 'A file or directory could not be read: fix its permissions or ignore it.',
  IMPORT_INVALID_NAME:
    'A file name is not valid UTF-8 and cannot be stored in UnixFS: rename it or ignore it.',
  IMPORT_FAILED: 'Reading the directory failed: the cause says why.',
  NODE_START_FAILED: 'The IPFS node could not start: the cause says why.',
  NODE_FAILED: 'The IPFS node failed: the cause says why.',
  KUBO_UNAVAILABLE: 'kubo could not be reached or started: check the API URL or the binary path.',
  PIN_FAILED: 'The service reported the pin as failed: its status details say why.',
  PIN_TIMEOUT:
    'The pin was not pinned before the deadline. It was left on the service: wait for it or check its requestid.',
  PIN_POLICY_NOT_MET: 'Too few services pinned the data to meet the policy.',
  VERIFY_FAILED:
    'The gateway did not serve the whole DAG, checked block by block, before the verify timeout, or sent what the DAG does not hold (the message says which): the pin stays; check the gateway or raise verify-timeout.',
  CLEANUP_FAILED:
    'Removing the pins failed on at least one service: the message says which; re-run the cleanup.',
  UPLOAD_FAILED:
    'Pushing the CAR to the service (upload: required) failed or was refused: the message says which service and why; fix the upload URL or credentials, or drop `required` to fall back to bitswap.',
  ABORTED: 'The operation was cancelled.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface IpfsPinErrorOptions {
  /** HTTP status of the response that caused the error, if any. */
  status?: number;
  /** The service's `error.reason`, if it gave one. */
  reason?: string;
  /** The service's `error.details`, if it gave one. */
  details?: string;
  /** Anything else worth reporting (requestid, last status, path...). Never a token. */
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class IpfsPinError extends Error {
  override name = 'IpfsPinError';
  readonly code: ErrorCode;
  readonly status?: number;
  readonly reason?: string;
  readonly details?: string;
  readonly data?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: IpfsPinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.reason !== undefined) this.reason = options.reason;
    if (options.details !== undefined) this.details = options.details;
    if (options.data !== undefined) this.data = options.data;
  }

  /** What the user should do about this kind of error. */
  get hint(): string {
    return ERROR_CODES[this.code];
  }
}

export function isIpfsPinError(err: unknown, code?: ErrorCode): err is IpfsPinError {
  return err instanceof IpfsPinError && (code === undefined || err.code === code);
}

/** Turns an AbortSignal's reason into our `ABORTED` (or keeps our own error if it is one). */
export function abortError(signal: AbortSignal | undefined, what: string): IpfsPinError {
  const reason: unknown = signal?.reason;
  if (reason instanceof IpfsPinError) return reason;
  return new IpfsPinError('ABORTED', `${what} was aborted`, { cause: reason });
}

/** The message of anything thrown: an Error's `message`, else its string form. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import type { IpfsPinError } from '../lib/index.js';

/** The exit status of every command; docs/cli.md lists them. */
export const EXIT = {
  OK: 0,
  /** The pin failed, a service refused, the import failed: anything not below. */
  FAILURE: 1,
  /** Wrong arguments or options. */
  USAGE: 2,
  /** The deadline passed with pins still queued or pinning (they stay on the services). */
  TIMEOUT: 3,
  /** A service rejected the token (401/403, or Pinata's 400 for a missing key). */
  AUTH: 4,
  /** Interrupted (Ctrl-C). */
  ABORTED: 130,
} as const;

/** The exit status for one error. */
export function exitCodeForError(error: Pick<IpfsPinError, 'code'> | undefined): number {
  switch (error?.code) {
    case undefined:
      return EXIT.FAILURE;
    case 'INVALID_INPUT':
      return EXIT.USAGE;
    case 'PIN_TIMEOUT':
      return EXIT.TIMEOUT;
    case 'PSA_UNAUTHORIZED':
    case 'PSA_FORBIDDEN':
      return EXIT.AUTH;
    case 'ABORTED':
      return EXIT.ABORTED;
    default:
      return EXIT.FAILURE;
  }
}

/**
 * The exit status when the policy was not met, from the services that did not pin: auth
 * first (nothing will work until fixed), then timeout when every failure is a timeout.
 */
export function exitCodeForFailures(errors: readonly (Pick<IpfsPinError, 'code'> | undefined)[]): number {
  const codes = errors.map(exitCodeForError);
  if (codes.includes(EXIT.AUTH)) return EXIT.AUTH;
  if (codes.length > 0 && codes.every((c) => c === EXIT.TIMEOUT)) return EXIT.TIMEOUT;
  if (codes.length > 0 && codes.every((c) => c === EXIT.ABORTED)) return EXIT.ABORTED;
  return EXIT.FAILURE;
}

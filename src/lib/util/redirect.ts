/** The statuses that carry a `location` to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Redirect hops followed at most. */
export const MAX_REDIRECTS = 5;

/**
 * Where a redirect may go: within the origin the caller was given (a Pinning Service API
 * endpoint, a gateway), or from http to https on the same host. A service or a gateway must
 * not steer requests elsewhere, least of all to loopback, link-local or private addresses (a
 * cloud metadata service answers there). `problem` says why a hop is refused.
 */
export type RedirectCheck =
  | { ok: true; next: URL }
  | { ok: false; problem: 'invalid-url' }
  | { ok: false; problem: 'scheme' | 'other-origin'; next: URL };

export function checkRedirect(location: string, current: URL, origin: string): RedirectCheck {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return { ok: false, problem: 'invalid-url' };
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') return { ok: false, problem: 'scheme', next };
  if (!sameService(next, origin)) return { ok: false, problem: 'other-origin', next };
  return { ok: true, next };
}

/** The origin itself, or the same host and port moved from http to https. */
export function sameService(next: URL, origin: string): boolean {
  if (next.origin === origin) return true;
  const from = new URL(origin);
  const port = (u: URL): string => u.port || (u.protocol === 'https:' ? '443' : '80');
  return (
    from.protocol === 'http:' &&
    next.protocol === 'https:' &&
    next.hostname === from.hostname &&
    (port(next) === port(from) || (port(from) === '80' && port(next) === '443'))
  );
}

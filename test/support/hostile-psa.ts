// A hostile Pinning Service API stand-in, on our fault server: what no real service does on
// demand. It answers the spec's shapes, filled with what an attacker would put there:
// workflow commands, Markdown and HTML, ANSI and OSC escapes, echoes of the caller's token in
// every encoding, floods of delegates, redirects to internal addresses, oversized text.
import { json, startFaultServer } from './fault-server.js';
import type { FaultServer, RecordedRequest, Reply } from './fault-server.js';

export const INJECTION = 'oops\n::warning title=X::y\n::stop-commands::z\r\n::add-mask::nothing';
export const MARKDOWN =
  '[click me](https://evil.example/phish) ![img](https://evil.example/pixel.png) <img src=x onerror=alert(1)> @octocat #1 www.evil.example';
export const ANSI =
  '\u001b[31mRED\u001b[0m \u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007 \u001b]0;title\u0007';

export interface HostileOptions {
  /** What the pin's status says on each poll (default: 'queued' forever). */
  statusOnPoll?: (poll: number) => string;
  /** status_details (default: the injection, Markdown and ANSI texts, with the token echoed). */
  details?: (token: string) => string;
  /** Delegates for each answer: default none. */
  delegates?: (poll: number) => string[];
  /** Redirect GET /pins/{id} here instead of answering. */
  redirectPollTo?: string;
  requestid?: string;
  /** Fields to put over each status answer (requestid, created, pin, ...), given the caller's token. */
  override?: (token: string, cid: string) => Record<string, unknown>;
  /** The pins `GET /pins` lists (default none), given the CID the request asks about. */
  list?: (cid: string) => unknown[];
}

export interface HostilePsa {
  server: FaultServer;
  url: string;
  polls(): number;
  close(): Promise<void>;
}

/** The bearer token of a request, as the hostile service would echo it back. */
function tokenOf(req: RecordedRequest): string {
  return String(req.headers.authorization ?? '').replace(/^Bearer /, '');
}

/** The token in every encoding a careless or hostile service could echo it in. */
export function echoes(token: string): string {
  return [
    `raw ${token}`,
    `bearer Bearer ${token}`,
    `url ${encodeURIComponent(token)}`,
    `b64 ${Buffer.from(token).toString('base64')}`,
    `b64url ${Buffer.from(`x${token}`).toString('base64url')}`,
    `basic ${Buffer.from(`user:${token}`).toString('base64')}`,
    `json ${JSON.stringify({ token }).replace(/"/g, '\\"')}`,
  ].join(' | ');
}

export async function startHostilePsa(options: HostileOptions = {}): Promise<HostilePsa> {
  const requestid = options.requestid ?? 'hostile-1';
  let polls = 0;
  let cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
  const status = (req: RecordedRequest, poll: number): unknown => ({
    ...base(req, poll),
    ...options.override?.(tokenOf(req), cid),
  });
  const base = (req: RecordedRequest, poll: number): Record<string, unknown> => ({
    requestid,
    status: options.statusOnPoll?.(poll) ?? 'queued',
    created: new Date().toISOString(),
    pin: { cid, name: `${INJECTION} ${MARKDOWN}` },
    delegates: options.delegates?.(poll) ?? [],
    info: {
      status_details:
        options.details?.(tokenOf(req)) ?? `${INJECTION} ${MARKDOWN} ${ANSI} ${echoes(tokenOf(req))}`,
    },
  });
  const server = await startFaultServer({
    handler: (req): Reply => {
      if (req.method === 'GET' && req.path === '/pins') {
        const asked = req.query.get('cid') ?? '';
        const results = options.list?.(asked) ?? [];
        return json(200, { count: results.length, results });
      }
      if (req.method === 'POST' && req.path === '/pins') {
        cid = (JSON.parse(req.body) as { cid: string }).cid;
        return json(202, status(req, 0));
      }
      if (req.method === 'GET' && req.path.startsWith('/pins/')) {
        polls++;
        if (options.redirectPollTo !== undefined)
          return { status: 302, headers: { location: options.redirectPollTo } };
        return json(200, status(req, polls));
      }
      if (req.method === 'DELETE') return { status: 202 };
      return json(404, { error: { reason: 'NOT_FOUND', details: `${INJECTION}` } });
    },
  });
  return { server, url: server.url, polls: () => polls, close: () => server.close() };
}

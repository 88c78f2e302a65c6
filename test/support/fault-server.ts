import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the fault server saw it. */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  /** Path without the query. */
  path: string;
  /** The raw query string without `?` (to check how a client encodes it). */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() on arrival. */
  at: number;
}

/** What to do with one request. */
export type Reply =
  | {
      status: number;
      headers?: Record<string, string>;
      /** A string or bytes are sent as they are; anything else as JSON. */
      body?: unknown;
      /** Wait before the status line. */
      delayMs?: number;
      /** Send the headers, then wait this long before the body. */
      stallBodyMs?: number;
    }
  /** Destroy the socket without an answer (ECONNRESET / "other side closed"). */
  | { reset: true; delayMs?: number }
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  | { hang: true };

export type FaultHandler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface FaultServerOptions {
  /** Request i gets script[i]; a function there is called with the request. */
  script?: readonly (Reply | FaultHandler)[];
  /** For requests past the script (or all, without one). Default: 404 Failure JSON. */
  handler?: FaultHandler;
}

export interface FaultServer extends AsyncDisposable {
  /** http://127.0.0.1:port (no trailing slash). */
  url: string;
  port: number;
  /** Every request so far, in order of arrival. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** JSON reply helper. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'content-type': 'application/json', ...headers } };
}

/** The spec's Failure body. */
export function failureBody(
  reason: string,
  details?: string,
): { error: { reason: string; details?: string } } {
  return { error: details === undefined ? { reason } : { reason, details } };
}

/**
 * A node:http server on 127.0.0.1, port 0, whose answers are scripted per request: any
 * status, headers and body, delays, stalled bodies, resets and hangs. For faults no
 * real service produces on demand. Use with `await using` or call close().
 */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const fallback: FaultHandler = () => json(404, failureBody('NOT_FOUND', 'no handler for this request'));

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fault.invalid');
      const recorded: RecordedRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        path: url.pathname,
        rawQuery: url.search.replace(/^\?/, ''),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(recorded);
      const step = options.script?.[recorded.index];
      const handler: FaultHandler =
        step === undefined ? (options.handler ?? fallback) : typeof step === 'function' ? step : () => step;
      void Promise.resolve()
        .then(() => handler(recorded))
        .then((reply) => answer(reply, res))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
          res.end(`fault-server handler failed: ${String(err)}`);
        });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function answer(reply: Reply, res: ServerResponse): Promise<void> {
    if ('hang' in reply) return;
    if (reply.delayMs !== undefined && reply.delayMs > 0) await wait(reply.delayMs);
    if ('reset' in reply) {
      res.socket?.destroy();
      return;
    }
    const body =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string' || reply.body instanceof Uint8Array
          ? reply.body
          : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
    }
    if (res.destroyed) return;
    res.writeHead(reply.status, headers);
    if (reply.stallBodyMs !== undefined) {
      res.flushHeaders();
      await wait(reply.stallBodyMs);
    }
    if (!res.destroyed) res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closed;
  };
  return { url: `http://127.0.0.1:${port}`, port, requests, close, [Symbol.asyncDispose]: close };
}

/**
 * A local stand-in for the part of the GitHub REST API the action calls: issue comments
 * (list, create, update) and commit statuses. It records every request and keeps state, so
 * a second run of the action sees the comment the first one made.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  body?: unknown;
}

export interface StoredComment {
  id: number;
  issue: number;
  repository: string;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
}

export interface StoredStatus {
  id: number;
  repository: string;
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface StoredPull {
  number: number;
  headSha: string;
  /** owner/name of the head repository (a fork's, or the base's own); null: the fork was deleted. */
  headRepo: string | null;
  headBranch: string;
  /** owner/name of the repository the PR is opened in. Default: acme/site. */
  baseRepo?: string;
  /** Default: open. */
  state?: 'open' | 'closed';
  merged?: boolean;
  /** Every commit of the PR, for the lookup by commit. Default: the head only. */
  commits?: string[];
}

/** A repository's numeric id, the same in the stand-in's answers and in a test's event payloads. */
export function repoId(fullName: string): number {
  let h = 7;
  for (const ch of fullName.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
  return h;
}

/** A repository as the pulls API shows it. */
export function repoView(fullName: string): Record<string, unknown> {
  const [owner = '', name = ''] = fullName.split('/');
  return { id: repoId(fullName), name, full_name: fullName, owner: { login: owner } };
}

export interface GithubApi {
  /** Base URL to give the action as GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  comments: StoredComment[];
  statuses: StoredStatus[];
  /** Adds a comment as if someone else wrote it (to check the action leaves it alone). */
  addComment(repository: string, issue: number, body: string, login?: string): StoredComment;
  /**
   * A pull request, for the lookups of a workflow_run: listed by `GET /repos/{base}/pulls`
   * (filtered by `head` and `state` as GitHub does) and by `GET /repos/{base}/commits/{sha}/pulls`
   * (every open or merged PR of the base whose commits hold that sha; a PR closed unmerged is
   * not listed there, as on GitHub).
   */
  addPull(pull: StoredPull): void;
  /** Answer the next matching requests with this HTTP status (permission tests). */
  failNext(method: string, pathPattern: RegExp, status: number, times?: number): void;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

export interface GithubApiOptions {
  /**
   * The token's own user, as `GET /user` answers for a personal token; comments made through
   * the API are theirs. Default: none, as for the default GITHUB_TOKEN (`GET /user` is 403 and
   * comments are by github-actions[bot]).
   */
  viewer?: string;
}

export async function startGithubApi(options: GithubApiOptions = {}): Promise<GithubApi> {
  const requests: RecordedRequest[] = [];
  const comments: StoredComment[] = [];
  const statuses: StoredStatus[] = [];
  const failures: { method: string; pattern: RegExp; status: number; times: number }[] = [];
  const pulls: StoredPull[] = [];
  const baseOf = (p: StoredPull): string => p.baseRepo ?? 'acme/site';
  const headOwner = (p: StoredPull): string => (p.headRepo ?? '').split('/')[0] ?? '';
  const pullView = (p: StoredPull): Record<string, unknown> => ({
    number: p.number,
    state: p.state ?? 'open',
    merged_at: p.merged === true ? '2026-01-01T00:00:00Z' : null,
    head: {
      sha: p.headSha,
      ref: p.headBranch,
      label: `${headOwner(p)}:${p.headBranch}`,
      user: { login: headOwner(p) },
      repo: p.headRepo === null ? null : repoView(p.headRepo),
    },
    base: { ref: 'main', repo: repoView(baseOf(p)) },
  });
  let nextId = 1000;
  let baseUrl = '';

  const addComment = (repository: string, issue: number, body: string, login = 'someone'): StoredComment => {
    const now = new Date().toISOString();
    const c: StoredComment = {
      id: nextId++,
      issue,
      repository,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: now,
      updated_at: now,
    };
    comments.push(c);
    return c;
  };

  const view = (c: StoredComment): Record<string, unknown> => ({
    id: c.id,
    body: c.body,
    user: c.user,
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: `https://github.test/${c.repository}/pull/${c.issue}#issuecomment-${c.id}`,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        send(res, 400, { message: 'Problems parsing JSON' });
        return;
      }
    }
    const rec: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams) };
    if (req.headers.authorization !== undefined) rec.authorization = req.headers.authorization;
    if (body !== undefined) rec.body = body;
    requests.push(rec);

    const failure = failures.find((f) => f.method === method && f.pattern.test(url.pathname) && f.times > 0);
    if (failure !== undefined) {
      failure.times--;
      send(res, failure.status, { message: 'Resource not accessible by integration' });
      return;
    }
    if (req.headers.authorization === undefined) {
      send(res, 401, { message: 'Requires authentication' });
      return;
    }

    if (url.pathname === '/user' && method === 'GET') {
      if (options.viewer === undefined) send(res, 403, { message: 'Resource not accessible by integration' });
      else send(res, 200, { login: options.viewer, type: 'User' });
      return;
    }
    const list = /^\/repos\/([^/]+\/[^/]+)\/pulls$/.exec(url.pathname);
    if (method === 'GET' && list !== null) {
      const head = url.searchParams.get('head') ?? '';
      const state = url.searchParams.get('state') ?? 'open';
      send(
        res,
        200,
        pulls
          .filter((p) => baseOf(p) === list[1])
          .filter((p) => head === '' || `${headOwner(p)}:${p.headBranch}` === head)
          .filter((p) => state === 'all' || (p.state ?? 'open') === state)
          .map(pullView),
      );
      return;
    }
    const byCommit = /^\/repos\/([^/]+\/[^/]+)\/commits\/([0-9a-f]+)\/pulls$/.exec(url.pathname);
    if (method === 'GET' && byCommit !== null) {
      send(
        res,
        200,
        pulls
          .filter((p) => baseOf(p) === byCommit[1])
          .filter((p) => (p.commits ?? [p.headSha]).includes(byCommit[2] ?? ''))
          .filter((p) => (p.state ?? 'open') === 'open' || p.merged === true)
          .map(pullView),
      );
      return;
    }
    let m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (m !== null) {
      const repository = m[1] ?? '';
      const issue = Number(m[2]);
      if (method === 'GET') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? '30'));
        const page = Number(url.searchParams.get('page') ?? '1');
        const all = comments.filter((c) => c.repository === repository && c.issue === issue);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url.pathname, baseUrl);
          next.searchParams.set('per_page', String(perPage));
          next.searchParams.set('page', String(page + 1));
          headers['link'] = `<${next.toString()}>; rel="next"`;
        }
        send(res, 200, slice.map(view), headers);
        return;
      }
      if (method === 'POST') {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string') {
          send(res, 422, { message: 'body is required' });
          return;
        }
        send(res, 201, view(addComment(repository, issue, text, options.viewer ?? 'github-actions[bot]')));
        return;
      }
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (m !== null && method === 'PATCH') {
      const c = comments.find((x) => x.repository === m?.[1] && x.id === Number(m[2]));
      const text = (body as { body?: unknown } | undefined)?.body;
      if (c === undefined) {
        send(res, 404, { message: 'Not Found' });
        return;
      }
      if (typeof text !== 'string') {
        send(res, 422, { message: 'body is required' });
        return;
      }
      c.body = text;
      c.updated_at = new Date().toISOString();
      send(res, 200, view(c));
      return;
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{7,40})$/.exec(url.pathname);
    if (m !== null && method === 'POST') {
      const b = (body ?? {}) as Record<string, unknown>;
      if (!['success', 'failure', 'error', 'pending'].includes(String(b['state']))) {
        send(res, 422, { message: 'Validation Failed' });
        return;
      }
      const s: StoredStatus = {
        id: nextId++,
        repository: m[1] ?? '',
        sha: m[2] ?? '',
        state: String(b['state']),
        context: typeof b['context'] === 'string' ? b['context'] : 'default',
      };
      if (typeof b['description'] === 'string') s.description = b['description'];
      if (typeof b['target_url'] === 'string') s.target_url = b['target_url'];
      statuses.push(s);
      send(res, 201, s);
      return;
    }
    send(res, 404, { message: 'Not Found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    requests,
    comments,
    statuses,
    addComment,
    addPull: (pull) => void pulls.push(pull),
    failNext(method, pattern, status, times = 1) {
      failures.push({ method, pattern, status, times });
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

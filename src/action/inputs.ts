import {
  DEFAULT_PROFILE,
  DEFAULT_VERIFY_TIMEOUT_MS,
  IpfsPinError,
  PROFILES,
  checkGatewayTemplate,
  isProfileName,
  parseDuration,
  parseMeta,
  parsePolicy,
  parseUploadSpec,
} from '../lib/index.js';
import type { NodeKind, PinPolicy, ServiceConfig, ProfileName } from '../lib/index.js';

/** Reads one raw input by its action.yml name ('' when unset), like `core.getInput`. */
export type InputReader = (name: string) => string;

export const DEFAULT_GATEWAY = 'https://{cid}.ipfs.dweb.link/';

export interface NodeChoice {
  kind: NodeKind;
  apiUrl?: string;
  binary?: string;
}

export interface ActionInputs {
  /** '' only with `cleanup: true`, which imports nothing. */
  path: string;
  /** Remove every pin named `name` instead of pinning. */
  cleanup: boolean;
  /** Also write the DAG as a CARv1 file here (as given; the output is absolute). */
  car?: string;
  /** After pinned, fetch the CID from `gateway` as a trustless CAR and check it. */
  verify: boolean;
  verifyTimeoutMs: number;
  services: ServiceConfig[];
  /** undefined: the default name from the event (see `defaultName`). */
  name?: string;
  profile: ProfileName;
  hidden: boolean;
  ignore: string[];
  /** 'auto': scaled to the tree size (see `scaleTimeoutMs`). */
  timeoutMs: number | 'auto';
  wait: boolean;
  policy: PinPolicy;
  replace: boolean;
  meta: Record<string, string>;
  node: NodeChoice;
  gateway: string;
  githubToken?: string;
  comment: boolean;
  commitStatus: boolean;
}

function invalid(message: string): IpfsPinError {
  return new IpfsPinError('INVALID_INPUT', message);
}

/** Non-empty, trimmed lines; `#` starts a comment line. */
export function parseLines(raw: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  raw.split(/\r?\n/).forEach((text, i) => {
    const t = text.trim();
    if (t !== '' && !t.startsWith('#')) out.push({ line: i + 1, text: t });
  });
  return out;
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` takes them. */
export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  const t = raw.trim();
  if (t === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(t)) return true;
  if (['false', 'False', 'FALSE'].includes(t)) return false;
  throw invalid(`Input \`${name}\` must be true or false, got '${t}'.`);
}

/** Runs a library parser and names the input in its error. */
function forInput<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof IpfsPinError) throw invalid(`Input \`${name}\`: ${err.message}.`);
    throw err;
  }
}

/** 'auto' (or empty), or a duration: '90' (seconds), '90s', '10m', '1h30m'. */
export function parseTimeout(raw: string): number | 'auto' {
  const t = raw.trim();
  if (t === '' || t === 'auto') return 'auto';
  const ms = forInput('timeout', () => parseDuration(t));
  if (ms <= 0) throw invalid(`Input \`timeout\` must be more than zero, got '${t}'.`);
  return ms;
}

export function parsePolicyInput(raw: string): PinPolicy {
  const t = raw.trim();
  return t === '' ? 'all' : forInput('policy', () => parsePolicy(t));
}

export function parseProfile(raw: string): ProfileName {
  const t = raw.trim();
  if (t === '') return DEFAULT_PROFILE;
  if (!isProfileName(t))
    throw invalid(`Input \`profile\` must be one of ${Object.keys(PROFILES).join(', ')}, got '${t}'.`);
  return t;
}

/** `key=value` per line; the value may be empty and may hold '='. */
export function parseMetaInput(raw: string): Record<string, string> {
  const meta = forInput('meta', () => parseMeta(parseLines(raw).map((l) => l.text)));
  for (const key of Object.keys(meta)) meta[key] = (meta[key] ?? '').trim();
  return meta;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Splits a `services` line: `<endpoint>|<token>|<upload>|<upload-token>` (the last two
 * optional), or `<endpoint> <token>` separated by blanks.
 */
function splitServiceLine(text: string): [string, string, string, string] {
  if (text.includes('|')) {
    const [e = '', t = '', u = '', ut = '', ...rest] = text.split('|').map((p) => p.trim());
    return [e, t, u, rest.length > 0 ? `${ut}|${rest.join('|')}` : ut];
  }
  const m = /^(\S+?)\s+(.*)$/.exec(text);
  if (m === null) return [text, '', '', ''];
  return [m[1] ?? '', (m[2] ?? '').trim(), '', ''];
}

/**
 * An upload spec from an input (`auto`, `off`, `KIND:URL`), with its token and `required`.
 * The message names where it came from, never what it holds (it may be a password).
 */
export function parseUploadInput(
  where: string,
  raw: string,
  token: string,
  required: boolean,
): UploadChoice | undefined {
  const t = raw.trim();
  if (t === '') {
    if (token.trim() !== '') throw invalid(`${where}: an upload token is set but no upload: give KIND:URL.`);
    if (required) throw invalid(`${where}: \`upload-required\` needs an upload (KIND:URL).`);
    return undefined;
  }
  let spec;
  try {
    spec = parseUploadSpec(t);
  } catch {
    throw invalid(
      `${where} must be auto, off, or KIND:URL with KIND one of cluster, kubo, pinata, filebase (e.g. cluster:http://user:password@host:9094).`,
    );
  }
  if (typeof spec === 'string') {
    if (required && spec === 'off') throw invalid(`${where}: \`upload-required\` cannot go with off.`);
    return spec;
  }
  const tok = token.trim();
  return { ...spec, ...(tok === '' ? {} : { token: tok }), ...(required ? { required } : {}) };
}

type UploadChoice = NonNullable<ServiceConfig['upload']>;

/** What the user must see when an endpoint is wrong, without echoing anything secret. */
function checkEndpoint(where: string, endpoint: string): void {
  if (!isHttpUrl(endpoint)) {
    throw invalid(`${where} must start with an http:// or https:// URL of a Pinning Service API endpoint.`);
  }
  const u = new URL(endpoint);
  if (u.password !== '' || u.username !== '') {
    throw invalid(`${where} must not carry credentials in the URL: pass the token as its own value.`);
  }
}

/**
 * `endpoint` + `token` for one service, and/or `services`: one `<endpoint>|<token>` per line
 * (a blank also separates them; the token may be left out for a service without auth).
 */
export function parseServices(
  endpoint: string,
  token: string,
  services: string,
  upload: { upload: string; token: string; required: boolean } = { upload: '', token: '', required: false },
): ServiceConfig[] {
  const out: ServiceConfig[] = [];
  const ep = endpoint.trim();
  const tok = token.trim();
  const up = parseUploadInput('Input `upload`', upload.upload, upload.token, upload.required);
  if (ep !== '') {
    checkEndpoint('Input `endpoint`', ep);
    out.push({
      endpoint: ep,
      ...(tok === '' ? {} : { token: tok }),
      ...(up === undefined ? {} : { upload: up }),
    });
  } else if (typeof up === 'object' && up.kind === 'kubo') {
    // A bare Kubo RPC: no pinning API, the upload's own pin is the result.
    if (tok !== '')
      throw invalid('Input `token` is set but `endpoint` is not: set `endpoint` to the service URL.');
    out.push({ upload: up });
  } else if (tok !== '') {
    throw invalid('Input `token` is set but `endpoint` is not: set `endpoint` to the service URL.');
  } else if (up !== undefined && upload.upload.trim() !== 'auto' && upload.upload.trim() !== 'off') {
    throw invalid(
      'Input `upload` is set but `endpoint` is not: set `endpoint` (only a kubo:URL upload may go without).',
    );
  }
  for (const { line, text } of parseLines(services)) {
    const [e, t, u, ut] = splitServiceLine(text);
    const where = `Input \`services\` line ${line}`;
    if (/\s|\|/.test(t) || /\s|\|/.test(ut)) {
      throw invalid(
        `${where} must be <endpoint>|<token>|<upload>|<upload-token>, with nothing after the upload token.`,
      );
    }
    const lineUpload = parseUploadInput(
      `${where}: the upload (third field)`,
      u,
      ut,
      upload.required && u !== '',
    );
    if ((e === '' || e === '-') && typeof lineUpload === 'object' && lineUpload.kind === 'kubo') {
      out.push({ upload: lineUpload });
      continue;
    }
    checkEndpoint(where, e);
    out.push({
      endpoint: e,
      ...(t === '' ? {} : { token: t }),
      ...(lineUpload === undefined ? {} : { upload: lineUpload }),
    });
  }
  return out;
}

/** 'embedded' (default), a kubo RPC API URL, or the path of a kubo binary. */
export function parseNode(raw: string): NodeChoice {
  const t = raw.trim();
  if (t === '' || t === 'embedded') return { kind: 'embedded' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    if (!isHttpUrl(t))
      throw invalid(
        `Input \`node\` must be embedded, an http(s) kubo API URL or a kubo binary path, got '${t}'.`,
      );
    return { kind: 'kubo-api', apiUrl: t };
  }
  return { kind: 'kubo-binary', binary: t };
}

/** A URL template with `{cid}`, or a base URL (a path gateway: `<base>/ipfs/<cid>/`). */
export function parseGateway(raw: string): string {
  const t = raw.trim();
  if (t === '') return DEFAULT_GATEWAY;
  if (!isHttpUrl(t.replaceAll('{cid}', 'cid'))) {
    throw invalid(`Input \`gateway\` must be an http(s) URL, with {cid} where the CID goes, got '${t}'.`);
  }
  forInput('gateway', () => checkGatewayTemplate(t, 'the gateway'));
  return t.includes('{cid}') ? t : `${t.replace(/\/+$/, '')}/ipfs/{cid}/`;
}

const MIN_SECRET_PIECE = 4;

/**
 * Every value that must be masked, found without validating anything first: a parse error
 * must not be able to print a token that was not masked yet.
 */
export function collectSecrets(read: InputReader): string[] {
  const secrets = new Set<string>();
  const add = (s: string): void => {
    const t = s.trim();
    if (t !== '') secrets.add(t);
  };
  add(read('token'));
  add(read('github-token'));
  add(read('upload-token'));
  const uploadUrl = (text: string): string => text.trim().replace(/^[a-z]+:(?=https?:)/i, '');
  if (isHttpUrl(uploadUrl(read('upload'))))
    add(decodeURIComponent(new URL(uploadUrl(read('upload'))).password));
  for (const { text } of parseLines(read('services'))) {
    for (const raw of text.split(/[\s|]+/)) {
      const piece = uploadUrl(raw);
      if (isHttpUrl(piece)) add(decodeURIComponent(new URL(piece).password));
      // Short pieces are list markers or typos, not tokens: masking '-' would garble every log line.
      else if (piece.length >= MIN_SECRET_PIECE) add(piece);
    }
  }
  for (const raw of [read('endpoint')]) {
    if (isHttpUrl(raw.trim())) add(decodeURIComponent(new URL(raw.trim()).password));
  }
  return [...secrets];
}

export function parseInputs(read: InputReader): ActionInputs {
  const cleanup = parseBoolean('cleanup', read('cleanup'), false);
  const path = read('path').trim();
  if (path === '' && !cleanup)
    throw invalid(
      'Input `path` is required: the build directory to pin, e.g. `path: dist` (only `cleanup: true` goes without).',
    );
  const car = read('car').trim();
  const verifyTimeout = read('verify-timeout').trim();
  const verifyTimeoutMs =
    verifyTimeout === ''
      ? DEFAULT_VERIFY_TIMEOUT_MS
      : forInput('verify-timeout', () => parseDuration(verifyTimeout));
  if (verifyTimeoutMs <= 0)
    throw invalid(`Input \`verify-timeout\` must be more than zero, got '${verifyTimeout}'.`);
  const name = read('name').trim();
  if (Buffer.byteLength(name) > 255)
    throw invalid('Input `name` must be at most 255 bytes (a Pinning Service API limit).');
  const githubToken = read('github-token').trim();
  return {
    path,
    cleanup,
    ...(car === '' ? {} : { car }),
    verify: parseBoolean('verify', read('verify'), false),
    verifyTimeoutMs,
    services: parseServices(read('endpoint'), read('token'), read('services'), {
      upload: read('upload'),
      token: read('upload-token'),
      required: parseBoolean('upload-required', read('upload-required'), false),
    }),
    ...(name === '' ? {} : { name }),
    profile: parseProfile(read('profile')),
    hidden: parseBoolean('hidden', read('hidden'), false),
    ignore: parseLines(read('ignore')).map((l) => l.text),
    timeoutMs: parseTimeout(read('timeout')),
    wait: parseBoolean('wait', read('wait'), true),
    policy: parsePolicyInput(read('policy')),
    replace: parseBoolean('replace', read('replace'), false),
    meta: parseMetaInput(read('meta')),
    node: parseNode(read('node')),
    gateway: parseGateway(read('gateway')),
    ...(githubToken === '' ? {} : { githubToken }),
    comment: parseBoolean('comment', read('comment'), true),
    commitStatus: parseBoolean('commit-status', read('commit-status'), true),
  };
}

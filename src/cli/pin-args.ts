import { parseArgs } from 'node:util';
import {
  DEFAULT_VERIFY_TIMEOUT_MS,
  IpfsPinError,
  checkGatewayTemplate,
  isProfileName,
  parseDuration,
  parseMeta,
  parsePolicy,
  parseUploadSpec,
  errorMessage,
} from '../lib/index.js';
import type { PinDirectoryOptions, ServiceConfig } from '../lib/index.js';
import { knownSecrets, resolveTokens } from './tokens.js';

export const PIN_USAGE = `usage: ipfs-pin pin <path> --endpoint URL [--endpoint URL2 ...] [options]

Adds <path> to an ephemeral IPFS node, pins its CID on every endpoint (IPFS Pinning
Service API), serves the data until the services report pinned, prints the CID.

  --endpoint URL         a Pinning Service API base URL (repeat for several services)
  --token T              bearer token for the endpoint in the same position (repeat);
                         better: IPFS_PIN_TOKEN (one endpoint) or IPFS_PIN_TOKEN_1, _2, ...
  --upload KIND:URL      push the CAR to the service before pinning (repeat, by --endpoint position):
                         cluster:http://user:pass@host:9094 (REST API; its query may set
                         replication-min, replication-max, expire-in), kubo:http://127.0.0.1:5001,
                         pinata, filebase, auto (default: Pinata/Filebase endpoints), off.
                         A kubo: beyond the endpoints is a service of its own (no pinning API).
                         Bearer token: IPFS_PIN_UPLOAD_TOKEN (or _1, _2, ...); credentials in the
                         URL go as Basic. A failed upload warns and bitswap carries on.
  --upload-required      fail (UPLOAD_FAILED) instead of falling back to bitswap
  --name N               pin name (default: <directory>-<first 8 chars of the CID>)
  --meta k=v             pin metadata (repeat)
  --profile P            unixfs-v1-2025 (default) | kubo-cidv1 | unixfs-v0-2015
  --hidden               include dot-files (.well-known/...); default: skipped and listed
  --ignore PAT           gitignore-style pattern to leave out (repeat)
  --car FILE             also write the DAG as a CARv1 file (root = the CID) while importing
  --verify               after pinned, fetch the CID from --gateway as a trustless CAR and check
                         every block and that the DAG is complete (exit 1, VERIFY_FAILED, if not)
  --gateway G            gateway for --verify: a template with {cid} or a path-gateway base URL
                         (default https://{cid}.ipfs.dweb.link/)
  --verify-timeout D     how long --verify keeps trying (default 5m)
  --timeout D            deadline for the whole job (import, submit, wait), e.g. 90s, 10m (default 10m)
  --no-wait              submit and exit at once (the data must then be available elsewhere)
  --policy P             all (default) | any | N: how many services must pin
  --wait-all             keep serving every service until it finishes, even once the policy is decided
  --replace              once pinned, remove older pins with the same --name on each service
  --delete-on-timeout    remove the pin when the deadline passes (default: it stays)
  --min-interval D       least time between two requests to one service (default 1s)
  --node N               embedded (default) | kubo-api=URL | kubo-binary[=PATH]
  --json                 print the result as JSON on stdout
  -h, --help             this help

stdout: the CID as the last line (or JSON with --json). Progress goes to stderr.
exit: 0 policy met, 1 failed, 2 usage, 3 timeout, 4 token rejected, 130 interrupted.`;

export interface VerifyArgs {
  gateway: string;
  timeoutMs: number;
}

export const DEFAULT_CLI_GATEWAY = 'https://{cid}.ipfs.dweb.link/';

export interface PinArgs {
  /** --verify: the gateway check after pinned. */
  verify?: VerifyArgs;
  options: Omit<PinDirectoryOptions, 'onProgress' | 'signal'>;
  json: boolean;
  help: boolean;
  /** Every token in play, to mask from all output. */
  secrets: string[];
}

/** Arguments and environment to `pinDirectory` options. Throws INVALID_INPUT with a fix in the message. */
export function parsePinArgs(argv: readonly string[], env: NodeJS.ProcessEnv): PinArgs {
  const secrets = knownSecrets([], env);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      options: {
        endpoint: { type: 'string', multiple: true },
        upload: { type: 'string', multiple: true },
        'upload-required': { type: 'boolean' },
        token: { type: 'string', multiple: true },
        name: { type: 'string' },
        meta: { type: 'string', multiple: true },
        profile: { type: 'string' },
        hidden: { type: 'boolean' },
        ignore: { type: 'string', multiple: true },
        car: { type: 'string' },
        verify: { type: 'boolean' },
        gateway: { type: 'string' },
        'verify-timeout': { type: 'string' },
        timeout: { type: 'string' },
        wait: { type: 'boolean' },
        policy: { type: 'string' },
        'wait-all': { type: 'boolean' },
        replace: { type: 'boolean' },
        'delete-on-timeout': { type: 'boolean' },
        'min-interval': { type: 'string' },
        node: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw usage(errorMessage(err));
  }
  const { values, positionals } = parsed;
  const tokenFlags = values.token ?? [];
  secrets.push(...knownSecrets(tokenFlags, {}));
  if (values.help === true) return { options: { path: '', services: [] }, json: false, help: true, secrets };

  if (positionals.length !== 1) {
    throw usage(
      positionals.length === 0
        ? 'give the directory to pin'
        : `give one path, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  const endpoints = values.endpoint ?? [];
  const uploads = (values.upload ?? []).map((text) => parseUploadSpec(text));
  if (endpoints.length === 0 && uploads.length === 0)
    throw usage('give at least one --endpoint URL (the Pinning Service API base URL)');
  const tokens = resolveTokens(endpoints.length, tokenFlags, env);
  const minIntervalMs =
    values['min-interval'] === undefined ? undefined : parseDuration(values['min-interval']);
  const required = values['upload-required'] === true;
  const uploadTokens = uploadTokensFrom(uploads.length, env);
  const services: ServiceConfig[] = [];
  for (let i = 0; i < Math.max(endpoints.length, uploads.length); i++) {
    const endpoint = endpoints[i];
    let upload = uploads[i];
    if (endpoint === undefined && (typeof upload !== 'object' || upload.kind !== 'kubo'))
      throw usage(
        `--upload number ${i + 1} has no --endpoint: only a kubo:URL upload may stand alone (its own pin is the result)`,
      );
    if (typeof upload === 'object') {
      const token = uploadTokens[i];
      upload = { ...upload, ...(token === undefined ? {} : { token }), ...(required ? { required } : {}) };
    } else if (required && upload !== 'off') {
      throw usage('--upload-required needs an --upload KIND:URL for every endpoint it applies to');
    }
    services.push({
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(tokens[i] === undefined ? {} : { token: tokens[i] }),
      ...(minIntervalMs === undefined ? {} : { minIntervalMs }),
      ...(upload === undefined ? {} : { upload }),
    });
  }
  for (const spec of values.upload ?? []) secrets.push(...urlSecrets(spec));

  const options: PinArgs['options'] = { path: positionals[0]!, services };
  if (values.name !== undefined) options.name = values.name;
  if (values.meta !== undefined) options.meta = parseMeta(values.meta);
  if (values.profile !== undefined) {
    if (!isProfileName(values.profile)) {
      throw usage(`unknown --profile '${values.profile}': use unixfs-v1-2025, kubo-cidv1 or unixfs-v0-2015`);
    }
    options.profile = values.profile;
  }
  if (values.hidden !== undefined) options.hidden = values.hidden;
  if (values.ignore !== undefined) options.ignore = values.ignore;
  if (values.car !== undefined) options.car = values.car;
  if (values.timeout !== undefined) {
    options.timeoutMs = parseDuration(values.timeout);
    if (options.timeoutMs <= 0) throw usage('--timeout must be above 0');
  }
  if (values.wait !== undefined) options.wait = values.wait;
  if (values.policy !== undefined) options.policy = parsePolicy(values.policy);
  if (values['wait-all'] !== undefined) options.waitForAll = values['wait-all'];
  if (values.replace !== undefined) options.replace = values.replace;
  if (values['delete-on-timeout'] !== undefined) options.deleteOnTimeout = values['delete-on-timeout'];
  if (values.node !== undefined) options.nodeOptions = parseNode(values.node);
  let verify: VerifyArgs | undefined;
  if (values.verify === true) {
    if (options.wait === false)
      throw usage('--verify checks the gateway after pinned: it cannot go with --no-wait');
    const gateway = values.gateway ?? DEFAULT_CLI_GATEWAY;
    checkGatewayTemplate(gateway, '--gateway');
    const timeoutMs =
      values['verify-timeout'] === undefined
        ? DEFAULT_VERIFY_TIMEOUT_MS
        : parseDuration(values['verify-timeout']);
    if (timeoutMs <= 0) throw usage('--verify-timeout must be above 0');
    verify = { gateway, timeoutMs };
  } else if (values.gateway !== undefined || values['verify-timeout'] !== undefined) {
    throw usage('--gateway and --verify-timeout go with --verify');
  }
  return {
    options,
    json: values.json ?? false,
    help: false,
    secrets,
    ...(verify === undefined ? {} : { verify }),
  };
}

/** `embedded`, `kubo-api=URL`, `kubo-binary` or `kubo-binary=PATH`. */
export function parseNode(text: string): NonNullable<PinDirectoryOptions['nodeOptions']> {
  const at = text.indexOf('=');
  const kind = at === -1 ? text : text.slice(0, at);
  const value = at === -1 ? '' : text.slice(at + 1);
  if (kind === 'embedded' && value === '') return { kind: 'embedded' };
  if (kind === 'kubo-api' && value !== '') return { kind: 'kubo-api', apiUrl: value };
  if (kind === 'kubo-binary')
    return value === '' ? { kind: 'kubo-binary' } : { kind: 'kubo-binary', binary: value };
  throw usage(
    `--node '${text}' is not one of: embedded, kubo-api=URL (e.g. kubo-api=http://127.0.0.1:5001), kubo-binary[=PATH]`,
  );
}

/** IPFS_PIN_UPLOAD_TOKEN_<n> for the n-th --upload, or IPFS_PIN_UPLOAD_TOKEN when there is one. */
function uploadTokensFrom(count: number, env: NodeJS.ProcessEnv): (string | undefined)[] {
  const shared = env['IPFS_PIN_UPLOAD_TOKEN']?.trim() || undefined;
  if (count > 1 && shared !== undefined && env['IPFS_PIN_UPLOAD_TOKEN_1'] === undefined)
    throw usage(
      `IPFS_PIN_UPLOAD_TOKEN is set but there are ${count} --upload: set IPFS_PIN_UPLOAD_TOKEN_1, _2, ... so no service gets another's token`,
    );
  return Array.from(
    { length: count },
    (_, i) => env[`IPFS_PIN_UPLOAD_TOKEN_${i + 1}`]?.trim() || (count === 1 ? shared : undefined),
  );
}

/** The password (and user) in an upload URL, to mask. */
function urlSecrets(spec: string): string[] {
  const at = spec.indexOf(':');
  try {
    const url = new URL(spec.slice(at + 1).trim());
    return [decodeURIComponent(url.password)].filter((p) => p !== '');
  } catch {
    return [];
  }
}

function usage(message: string): IpfsPinError {
  return new IpfsPinError('INVALID_INPUT', message);
}

import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { errorMessage, IpfsPinError } from '../lib/index.js';
import { knownSecrets, resolveTokens } from './tokens.js';

export interface ServiceArgs {
  endpoint: string;
  token?: string;
  json: boolean;
  help: boolean;
  positionals: string[];
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  secrets: string[];
}

/**
 * The arguments every one-service command shares (`ls`, `status`, `rm`): one `--endpoint`,
 * its token from `--token`, `IPFS_PIN_TOKEN_1` or `IPFS_PIN_TOKEN`, `--json`, `--help`.
 */
export function parseServiceArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  extra: NonNullable<ParseArgsConfig['options']> = {},
): ServiceArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...extra,
        endpoint: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new IpfsPinError('INVALID_INPUT', errorMessage(err));
  }
  const { values, positionals } = parsed;
  const tokenFlag = typeof values.token === 'string' ? values.token : undefined;
  const secrets = knownSecrets(tokenFlag === undefined ? [] : [tokenFlag], env);
  const help = values.help === true;
  const endpoint = typeof values.endpoint === 'string' ? values.endpoint : '';
  if (!help && endpoint === '') {
    throw new IpfsPinError('INVALID_INPUT', 'give --endpoint URL (the Pinning Service API base URL)');
  }
  const [token] = resolveTokens(1, tokenFlag === undefined ? [] : [tokenFlag], env);
  return {
    endpoint,
    ...(token === undefined ? {} : { token }),
    json: values.json === true,
    help,
    positionals,
    values,
    secrets,
  };
}

import { IpfsPinError } from '../lib/index.js';

/**
 * Which token goes to which endpoint. For endpoint n (1-based), in order:
 * the n-th `--token` (an empty one means "none"), then `IPFS_PIN_TOKEN_<n>`, then, only
 * when there is a single endpoint, `IPFS_PIN_TOKEN`. With several endpoints a lone
 * `IPFS_PIN_TOKEN` is refused rather than guessed: sending one service's token to another
 * would leak it.
 */
export function resolveTokens(
  endpoints: number,
  flags: readonly string[],
  env: NodeJS.ProcessEnv,
): (string | undefined)[] {
  if (flags.length > endpoints) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${flags.length} --token values for ${endpoints} --endpoint: give at most one token per endpoint, in the same order`,
    );
  }
  const shared = nonEmpty(env['IPFS_PIN_TOKEN']);
  const tokens: (string | undefined)[] = [];
  let numbered = false;
  for (let n = 1; n <= endpoints; n++) {
    const flag = flags[n - 1];
    const own = nonEmpty(env[`IPFS_PIN_TOKEN_${n}`]);
    if (own !== undefined) numbered = true;
    if (flag !== undefined) tokens.push(nonEmpty(flag));
    else if (own !== undefined) tokens.push(own);
    else if (endpoints === 1) tokens.push(shared);
    else tokens.push(undefined);
  }
  if (endpoints > 1 && shared !== undefined && !numbered && flags.length === 0) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `IPFS_PIN_TOKEN is set but there are ${endpoints} endpoints: set IPFS_PIN_TOKEN_1, IPFS_PIN_TOKEN_2, ... (one per --endpoint, in order) so no service gets another's token`,
    );
  }
  return tokens;
}

/** Every token the command might know, for masking (including ones it does not use). */
export function knownSecrets(flags: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const out = flags.filter((t) => t !== '');
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '' && /^IPFS_PIN_(UPLOAD_)?TOKEN(_\d+)?$/.test(key)) out.push(value);
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

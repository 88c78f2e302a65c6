import { errorMessage, isIpfsPinError } from '../lib/index.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { knownSecrets } from './tokens.js';
import { maskedWriter } from './secrets.js';

/**
 * Runs one command body and turns any error into a masked line on stderr and an exit
 * status, so each command file only holds the happy path.
 */
export async function runCommand(
  name: string,
  io: CliIo,
  body: (secrets: string[]) => Promise<number>,
  argvSecrets: () => string[] = () => [],
): Promise<number> {
  const secrets = [...knownSecrets([], io.env)];
  try {
    return await body(secrets);
  } catch (error) {
    const err = maskedWriter(io.stderr, [...secrets, ...argvSecrets()]);
    if (isIpfsPinError(error)) {
      err.line(`ipfs-pin ${name}: ${error.code}: ${error.message}`);
      err.line(`  what to do: ${error.hint}`);
      if (error.code === 'INVALID_INPUT') err.line(`  run ipfs-pin ${name} --help for the options`);
      return exitCodeForError(error);
    }
    err.line(`ipfs-pin ${name}: ${errorMessage(error)}`);
    return EXIT.FAILURE;
  }
}

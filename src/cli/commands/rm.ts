import { IpfsPinError } from '../../lib/errors.js';
import { createPinningClient } from '../../lib/psa/client.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { maskedWriter } from '../secrets.js';
import { parseServiceArgs } from '../service-args.js';

const USAGE = `usage: ipfs-pin rm <requestid>... --endpoint URL

Removes pins from a Pinning Service API service (the service unpins the data).
Prints each removed requestid on stdout.
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

async function runRm(argv: string[], io: CliIo): Promise<number> {
  let secrets: string[] = [];
  return runCommand(
    'rm',
    io,
    async () => {
      const args = parseServiceArgs(argv, io.env);
      secrets = args.secrets;
      const out = maskedWriter(io.stdout, secrets);
      if (args.help) {
        out.line(USAGE);
        return EXIT.OK;
      }
      if (args.positionals.length === 0)
        throw new IpfsPinError('INVALID_INPUT', 'give the requestid of the pin to remove');
      const client = createPinningClient({
        endpoint: args.endpoint,
        ...(args.token === undefined ? {} : { token: args.token }),
      });
      for (const requestid of args.positionals) {
        await client.remove(requestid, io.signal === undefined ? {} : { signal: io.signal });
        out.line(requestid);
      }
      return EXIT.OK;
    },
    () => secrets,
  );
}

export const rmCommand: Command = {
  summary: 'Remove pins by requestid',
  run: runRm,
};

import { IpfsPinError } from '../../lib/index.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runServiceCommand } from '../service-command.js';

const USAGE = `usage: ipfs-pin rm <requestid>... --endpoint URL

Removes pins from a Pinning Service API service (the service unpins the data).
Prints each removed requestid on stdout.
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

function runRm(argv: string[], io: CliIo): Promise<number> {
  return runServiceCommand('rm', USAGE, argv, io, {}, async ({ args, out, client, callOptions }) => {
    if (args.positionals.length === 0)
      throw new IpfsPinError('INVALID_INPUT', 'give the requestid of the pin to remove');
    const psa = client();
    for (const requestid of args.positionals) {
      await psa.remove(requestid, callOptions);
      out.line(requestid);
    }
    return EXIT.OK;
  });
}

export const rmCommand: Command = {
  summary: 'Remove pins by requestid',
  run: runRm,
};

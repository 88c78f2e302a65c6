import { IpfsPinError, removePins } from '../../lib/index.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runServiceCommand } from '../service-command.js';

const USAGE = `usage: ipfs-pin rm <requestid>... --endpoint URL
       ipfs-pin rm --name NAME --endpoint URL

Removes pins from a Pinning Service API service (the service unpins the data): the
requestids given, or with --name every pin of exactly that name, in every status (the
end of a preview: --name 'acme/site#pr-7').
Prints each removed requestid on stdout.
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

function runRm(argv: string[], io: CliIo): Promise<number> {
  return runServiceCommand(
    'rm',
    USAGE,
    argv,
    io,
    { name: { type: 'string' } },
    async ({ args, out, client, callOptions }) => {
      const name = typeof args.values['name'] === 'string' ? args.values['name'] : undefined;
      if (name !== undefined) {
        if (args.positionals.length > 0)
          throw new IpfsPinError('INVALID_INPUT', 'give either requestids or --name, not both');
        const result = await removePins({
          name,
          services: [{ endpoint: args.endpoint, ...(args.token === undefined ? {} : { token: args.token }) }],
          ...callOptions,
        });
        const [service] = result.services;
        for (const id of service?.removed ?? []) out.line(id);
        if (service?.error !== undefined) throw service.error;
        io.stderr.write(`removed ${result.removed} pin${result.removed === 1 ? '' : 's'} named ${name}\n`);
        return EXIT.OK;
      }
      if (args.positionals.length === 0)
        throw new IpfsPinError(
          'INVALID_INPUT',
          'give the requestid of the pin to remove, or --name NAME for every pin of that name',
        );
      const psa = client();
      for (const requestid of args.positionals) {
        await psa.remove(requestid, callOptions);
        out.line(requestid);
      }
      return EXIT.OK;
    },
  );
}

export const rmCommand: Command = {
  summary: 'Remove pins by requestid, or every pin of a --name',
  run: runRm,
};

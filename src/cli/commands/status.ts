import { IpfsPinError } from '../../lib/errors.js';
import { createPinningClient } from '../../lib/psa/client.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { maskedWriter } from '../secrets.js';
import { parseServiceArgs } from '../service-args.js';

const USAGE = `usage: ipfs-pin status <requestid> --endpoint URL [--json]

Shows one pin: status, CID, name, created, delegates and the service's info
(status_details says why a pin failed). Exit 0 whatever the status; 1 when the
service does not know the requestid.
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

async function runStatus(argv: string[], io: CliIo): Promise<number> {
  let secrets: string[] = [];
  return runCommand(
    'status',
    io,
    async () => {
      const args = parseServiceArgs(argv, io.env);
      secrets = args.secrets;
      const out = maskedWriter(io.stdout, secrets);
      if (args.help) {
        out.line(USAGE);
        return EXIT.OK;
      }
      if (args.positionals.length !== 1) throw new IpfsPinError('INVALID_INPUT', 'give one requestid');
      const client = createPinningClient({
        endpoint: args.endpoint,
        ...(args.token === undefined ? {} : { token: args.token }),
      });
      const pin = await client.get(
        args.positionals[0]!,
        io.signal === undefined ? {} : { signal: io.signal },
      );
      if (args.json) {
        out.line(JSON.stringify(pin, null, 2));
        return EXIT.OK;
      }
      out.line(`requestid  ${pin.requestid}`);
      out.line(`status     ${pin.status}`);
      out.line(`cid        ${pin.pin.cid}`);
      if (pin.pin.name !== undefined) out.line(`name       ${pin.pin.name}`);
      out.line(`created    ${pin.created}`);
      for (const [key, value] of Object.entries(pin.info ?? {})) out.line(`info       ${key}: ${value}`);
      for (const d of pin.delegates ?? []) out.line(`delegate   ${d}`);
      return EXIT.OK;
    },
    () => secrets,
  );
}

export const statusCommand: Command = {
  summary: 'Show one pin by requestid',
  run: runStatus,
};

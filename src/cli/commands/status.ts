import { IpfsPinError } from '../../lib/index.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runServiceCommand } from '../service-command.js';

const USAGE = `usage: ipfs-pin status <requestid> --endpoint URL [--json]

Shows one pin: status, CID, name, created, delegates and the service's info
(status_details says why a pin failed). Exit 0 whatever the status; 1 when the
service does not know the requestid.
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

function runStatus(argv: string[], io: CliIo): Promise<number> {
  return runServiceCommand('status', USAGE, argv, io, {}, async ({ args, out, client, callOptions }) => {
    if (args.positionals.length !== 1) throw new IpfsPinError('INVALID_INPUT', 'give one requestid');
    const pin = await client().get(args.positionals[0]!, callOptions);
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
  });
}

export const statusCommand: Command = {
  summary: 'Show one pin by requestid',
  run: runStatus,
};

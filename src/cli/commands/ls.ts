import { IpfsPinError } from '../../lib/index.js';
import type { PinStatus, Status } from '../../lib/index.js';
import { EXIT } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { runServiceCommand } from '../service-command.js';
import { maskedWriter } from '../secrets.js';

const USAGE = `usage: ipfs-pin ls --endpoint URL [--status S,...] [--name N] [--cid CID,...] [--limit N] [--json]

Lists the pins on a Pinning Service API service, newest first as the service sends them.
  --status S,...   queued, pinning, pinned, failed (default: all four; the API's own default is pinned only)
  --name N         exact name
  --cid CID,...    up to 10 CIDs
  --limit N        stop after N pins (default 100)
  --json           one JSON array on stdout
token: --token, IPFS_PIN_TOKEN_1 or IPFS_PIN_TOKEN`;

const STATUSES: Status[] = ['queued', 'pinning', 'pinned', 'failed'];

function runLs(argv: string[], io: CliIo): Promise<number> {
  const options = {
    status: { type: 'string' },
    name: { type: 'string' },
    cid: { type: 'string' },
    limit: { type: 'string' },
  } as const;
  return runServiceCommand('ls', USAGE, argv, io, options, async ({ args, out, client, callOptions }) => {
    if (args.positionals.length > 0)
      throw new IpfsPinError('INVALID_INPUT', `ls takes no arguments, got: ${args.positionals.join(' ')}`);
    const v = args.values;
    const status = typeof v['status'] === 'string' ? parseStatuses(v['status']) : STATUSES;
    const cid =
      typeof v['cid'] === 'string'
        ? v['cid']
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== '')
        : undefined;
    const limit = typeof v['limit'] === 'string' ? Number(v['limit']) : 100;
    if (!Number.isInteger(limit) || limit < 1)
      throw new IpfsPinError('INVALID_INPUT', `--limit must be a whole number >= 1`);
    const pins: PinStatus[] = [];
    const query = {
      status,
      limit: Math.min(limit, 1000),
      ...(typeof v['name'] === 'string' ? { name: v['name'], match: 'exact' as const } : {}),
      ...(cid === undefined ? {} : { cid }),
    };
    for await (const pin of client().list(query, callOptions)) {
      pins.push(pin);
      if (pins.length >= limit) break;
    }
    if (args.json) {
      out.line(JSON.stringify(pins, null, 2));
    } else {
      for (const p of pins)
        out.line([p.requestid, p.status, p.pin.cid, p.created, p.pin.name ?? ''].join('\t'));
      maskedWriter(io.stderr, args.secrets).line(`${pins.length} pin${pins.length === 1 ? '' : 's'}`);
    }
    return EXIT.OK;
  });
}

function parseStatuses(text: string): Status[] {
  const list = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const s of list) {
    if (!(STATUSES as string[]).includes(s)) {
      throw new IpfsPinError('INVALID_INPUT', `--status '${s}' is not one of ${STATUSES.join(', ')}`);
    }
  }
  return list as Status[];
}

export const lsCommand: Command = {
  summary: 'List the pins on a service',
  run: runLs,
};

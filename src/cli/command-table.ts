import { cidCommand } from './commands/cid.js';
import { pinCommand } from './commands/pin.js';
import { lsCommand } from './commands/ls.js';
import { statusCommand } from './commands/status.js';
import { rmCommand } from './commands/rm.js';
import type { Command } from './command.js';

/** Every `ipfs-pin <command>`: one file in commands/, one line here. Listed in this order by --help. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  pin: pinCommand,
  cid: cidCommand,
  ls: lsCommand,
  status: statusCommand,
  rm: rmCommand,
};

import { cidCommand } from './commands/cid.js';
import type { Command } from './command.js';

/** Every `ipfs-pin <command>`: one file in commands/, one line here. Listed in this order by --help. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  cid: cidCommand,
};

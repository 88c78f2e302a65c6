import { IpfsPinError } from '../lib/index.js';
import { COMMANDS } from './command-table.js';
import { EXIT } from './exit-codes.js';
import { printError } from './print-error.js';
import { packageVersion } from './version.js';
import type { CommandIo } from './command.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: ipfs-pin <command> [options]

Add a directory to IPFS, pin it on Pinning Service API services, print the CID.

commands:
${lines.join('\n')}

  ipfs-pin <command> --help   options of one command
  ipfs-pin --version          the version
  --debug                     (anywhere) show stacks on errors`;
}

/** Dispatches `ipfs-pin <command> ...` and returns the exit status; never throws. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const debug = head.includes('--debug');
  const args = debug ? [...head.filter((a) => a !== '--debug'), ...(end < 0 ? [] : argv.slice(end))] : argv;
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      if (topic !== undefined && Object.hasOwn(COMMANDS, topic))
        return await (COMMANDS[topic] as (typeof COMMANDS)[string]).run(['--help'], { ...io, debug });
      (name === undefined ? io.stderr : io.stdout).write(`${usage()}\n`);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.OK;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `unknown command '${name}': the commands are ${Object.keys(COMMANDS).join(', ')}`,
      );
    }
    return await command.run(rest, { ...io, debug });
  } catch (err) {
    return printError(io.stderr, '', err, debug);
  }
}

import { parseArgs } from 'node:util';
import { errorMessage, IpfsPinError } from '../lib/index.js';
import type { CliIo } from './io.js';

/** The context every command gets: the dispatcher strips a global --debug into it. */
export type CommandIo = CliIo & { debug?: boolean };

export interface Command {
  /** One line for `ipfs-pin --help`. */
  summary: string;
  /**
   * Parses its own arguments (handles its own --help) and returns the exit status.
   * Import heavy library parts inside run (`await import(...)`): every command file is
   * loaded at start-up, so a top-level import slows down every command.
   */
  run(argv: string[], io: CommandIo): Promise<number>;
}

type ParseArgsConfig = NonNullable<Parameters<typeof parseArgs>[0]>;

/** node:util parseArgs, strict, with its errors turned into INVALID_INPUT. */
export function parseCommandArgs<const C extends ParseArgsConfig>(
  argv: string[],
  config: C,
): ReturnType<typeof parseArgs<C>> {
  try {
    return parseArgs<C>({ ...config, args: argv, strict: true });
  } catch (err) {
    throw new IpfsPinError('INVALID_INPUT', errorMessage(err), { cause: err });
  }
}

import type { ParseArgsConfig } from 'node:util';
import { createPinningClient } from '../lib/index.js';
import type { PinningClient } from '../lib/index.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { maskedWriter } from './secrets.js';
import type { MaskedWriter } from './secrets.js';
import { parseServiceArgs } from './service-args.js';
import type { ServiceArgs } from './service-args.js';

export interface ServiceCommandContext {
  args: ServiceArgs;
  /** stdout, with every known token masked. */
  out: MaskedWriter;
  /** The client for `--endpoint` and its token; made when asked, after the command's own checks. */
  client(): PinningClient;
  /** Call options that carry the CLI's cancellation signal. */
  callOptions: { signal?: AbortSignal };
}

/**
 * The frame of the one-service commands (`ls`, `status`, `rm`): parse the shared arguments,
 * answer `--help` with `usage`, mask tokens in everything printed, turn errors into exit codes.
 */
export function runServiceCommand(
  name: string,
  usage: string,
  argv: string[],
  io: CliIo,
  extraOptions: NonNullable<ParseArgsConfig['options']>,
  body: (context: ServiceCommandContext) => Promise<number>,
): Promise<number> {
  let secrets: string[] = [];
  return runCommand(
    name,
    io,
    async () => {
      const args = parseServiceArgs(argv, io.env, extraOptions);
      secrets = args.secrets;
      const out = maskedWriter(io.stdout, secrets);
      if (args.help) {
        out.line(usage);
        return EXIT.OK;
      }
      return body({
        args,
        out,
        client: () =>
          createPinningClient({
            endpoint: args.endpoint,
            ...(args.token === undefined ? {} : { token: args.token }),
          }),
        callOptions: io.signal === undefined ? {} : { signal: io.signal },
      });
    },
    () => secrets,
  );
}

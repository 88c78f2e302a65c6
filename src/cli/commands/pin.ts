import { isIpfsPinError, errorMessage } from '../../lib/index.js';
import type { IpfsPinError } from '../../lib/index.js';
import { EXIT, exitCodeForError, exitCodeForFailures } from '../exit-codes.js';
import type { Command } from '../command.js';
import type { CliIo } from '../io.js';
import { PIN_USAGE, parsePinArgs } from '../pin-args.js';
import { errorJson, resultJson } from '../pin-report.js';
import { createProgressView } from '../progress-view.js';
import { knownSecrets } from '../tokens.js';
import { maskedWriter } from '../secrets.js';

/** `ipfs-pin pin <path> --endpoint URL ...`: arguments -> pinDirectory -> terminal. */
async function runPin(argv: string[], io: CliIo): Promise<number> {
  let secrets = knownSecrets([], io.env);
  let err = maskedWriter(io.stderr, secrets);
  let args;
  try {
    args = parsePinArgs(argv, io.env);
  } catch (error) {
    err.line(`ipfs-pin pin: ${errorMessage(error)}`);
    err.line('run ipfs-pin pin --help for the options');
    return EXIT.USAGE;
  }
  secrets = args.secrets;
  err = maskedWriter(io.stderr, secrets);
  const out = maskedWriter(io.stdout, secrets);
  if (args.help) {
    out.line(PIN_USAGE);
    return EXIT.OK;
  }

  const view = createProgressView(io.stderr, secrets);
  let result;
  try {
    // Loaded here, not at the top: Helia and libp2p take a while to load, and --help,
    // --version and the other commands do not need them.
    const { pinDirectory } = await import('../../lib/index.js');
    result = await pinDirectory({
      ...args.options,
      onProgress: view.onProgress,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
  } catch (error) {
    view.close();
    if (args.json) {
      out.line(
        JSON.stringify(
          {
            ok: false,
            error: isIpfsPinError(error) ? errorJson(error) : { code: 'UNKNOWN', message: String(error) },
          },
          null,
          2,
        ),
      );
    }
    if (isIpfsPinError(error)) {
      err.line(`ipfs-pin pin: ${error.code}: ${error.message}`);
      if (error.code !== 'INVALID_INPUT') err.line(`  what to do: ${error.hint}`);
      return exitCodeForError(error);
    }
    err.line(`ipfs-pin pin: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.FAILURE;
  }
  view.close();

  const pinned = result.services.filter((s) => s.status === 'pinned' && s.error === undefined).length;
  const wanted = args.options.policy ?? 'all';
  const verdict = result.ok
    ? `policy ${String(wanted)} met: ${pinned}/${result.services.length} pinned`
    : `policy ${String(wanted)} NOT met: ${pinned}/${result.services.length} pinned`;
  if (args.options.wait === false) {
    err.line(
      `submitted without waiting; the data must be available from another node until the services finish: ipfs-pin status <requestid> --endpoint URL`,
    );
  }
  err.line(
    args.options.wait === false
      ? `${result.ok ? 'submitted' : 'NOT submitted'} (policy ${String(wanted)})`
      : verdict,
  );

  let verified: boolean | undefined;
  let verifyError: IpfsPinError | undefined;
  if (args.verify !== undefined && result.ok) {
    const { verifyCid, gatewayUrl } = await import('../../lib/index.js');
    err.line(
      `verifying ${gatewayUrl(args.verify.gateway, result.cid)} (up to ${Math.round(args.verify.timeoutMs / 1000)} s)`,
    );
    try {
      const v = await verifyCid(result.cid, {
        gateway: args.verify.gateway,
        timeoutMs: args.verify.timeoutMs,
        dag: result.import.dag,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onProgress: (e) => {
          if (e.type === 'verify:attempt:failed')
            err.line(`verify attempt ${e.detail.attempt}: ${e.detail.reason}`);
        },
      });
      verified = true;
      err.line(`verified: the gateway served all ${v.blocks} blocks, each matching its CID`);
    } catch (e) {
      verified = false;
      if (!isIpfsPinError(e)) throw e;
      verifyError = e;
      err.line(`ipfs-pin pin: ${e.code}: ${e.message}`);
      err.line(`  what to do: ${e.hint}`);
    }
  }

  if (args.json)
    out.line(
      JSON.stringify({ ...resultJson(result), ...(verified === undefined ? {} : { verified }) }, null, 2),
    );
  else out.line(result.cid);
  if (verifyError !== undefined) return exitCodeForError(verifyError);
  if (result.ok) return EXIT.OK;
  return exitCodeForFailures(
    result.services.filter((s) => s.error !== undefined || s.status !== 'pinned').map((s) => s.error),
  );
}

export const pinCommand: Command = {
  summary: 'Add a directory, pin it on Pinning Service API services, wait until pinned, print the CID',
  run: runPin,
};

import { DEFAULT_PROFILE, PROFILES, isProfileName, IpfsPinError } from '../../lib/index.js';
import type { ImportResult } from '../../lib/index.js';
import { parseCommandArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printError } from '../print-error.js';
import type { Command, CommandIo } from '../command.js';

const USAGE = `usage: ipfs-pin cid <path> [--profile P] [--hidden] [--ignore PATTERN]... [--car FILE] [--json]

Prints the CID that <path> (a directory or a single file) gets when added, the same
as kubo's \`ipfs add -r\` with that profile. No node, no network: nothing is stored.

  --profile P        ${Object.keys(PROFILES).join(' | ')} (default ${DEFAULT_PROFILE})
  --hidden           include dot-files and dot-directories (.well-known/...), as kubo --hidden
  --ignore PATTERN   skip what matches this gitignore-style pattern (repeatable)
  --car FILE         also write the DAG as a CARv1 file (root = the CID): upload it anywhere
  --json             print a JSON report: cid, profile, counts, skipped entries
  --debug            show stacks on errors`;

export const cidCommand: Command = {
  summary: 'print the CID of a directory or file (no node, no network)',
  async run(argv: string[], io: CommandIo): Promise<number> {
    try {
      const { values, positionals } = parseCommandArgs(argv, {
        allowPositionals: true,
        options: {
          profile: { type: 'string' },
          hidden: { type: 'boolean' },
          ignore: { type: 'string', multiple: true },
          car: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
      if (values.help === true) {
        io.stdout.write(`${USAGE}\n`);
        return EXIT.OK;
      }
      if (positionals.length !== 1) {
        throw new IpfsPinError(
          'INVALID_INPUT',
          positionals.length === 0 ? 'give the path to import' : `give one path, got ${positionals.length}`,
        );
      }
      if (values.profile !== undefined && !isProfileName(values.profile)) {
        throw new IpfsPinError(
          'INVALID_INPUT',
          `unknown --profile '${values.profile}': use one of ${Object.keys(PROFILES).join(', ')}`,
        );
      }
      // Loaded here, not at start-up: --help and the other commands stay fast.
      const { importDirectory } = await import('../../lib/index.js');
      const result = await importDirectory(positionals[0] as string, {
        ...(values.profile === undefined ? {} : { profile: values.profile }),
        hidden: values.hidden === true,
        ...(values.ignore === undefined ? {} : { ignore: values.ignore }),
        ...(values.car === undefined ? {} : { car: values.car }),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      warnSkipped(io, result);
      if (result.car !== undefined) io.stderr.write(`ipfs-pin cid: wrote ${result.car}\n`);
      io.stdout.write(
        values.json === true ? `${JSON.stringify(report(result), null, 2)}\n` : `${result.cid.toString()}\n`,
      );
      return EXIT.OK;
    } catch (err) {
      return printError(io.stderr, 'cid', err, io.debug === true);
    }
  },
};

function report(result: ImportResult): Record<string, unknown> {
  return { ...result, cid: result.cid.toString() };
}

function warnSkipped(io: CommandIo, result: ImportResult): void {
  const hidden = result.skipped.filter((s) => s.reason === 'hidden');
  if (hidden.length > 0) {
    const shown = hidden.slice(0, 5).map((s) => s.path);
    const more = hidden.length > shown.length ? `, and ${hidden.length - shown.length} more` : '';
    io.stderr.write(
      `ipfs-pin cid: warning: skipped ${hidden.length} dot-file${hidden.length === 1 ? '' : 's'} (${shown.join(', ')}${more}): pass --hidden to include them\n`,
    );
    if (hidden.some((s) => s.path === '.well-known' || s.path.endsWith('/.well-known'))) {
      io.stderr.write(
        'ipfs-pin cid: warning: .well-known/ is not included; sites usually need it (security.txt, assetlinks.json...)\n',
      );
    }
  }
  for (const s of result.skipped.filter((e) => e.reason === 'special-file')) {
    io.stderr.write(
      `ipfs-pin cid: warning: skipped ${s.path}: ${s.detail ?? 'not a file, directory or symlink'}\n`,
    );
  }
}

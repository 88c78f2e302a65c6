import { abortError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { checkCarPath, createCarFile, teeSink } from './car-file.js';
import { buildDag } from './dag.js';
import { DEFAULT_PROFILE, resolveProfile } from './profiles.js';
import { hashOnlySink } from './sink.js';
import { countTree } from './tree.js';
import { walk } from './walk.js';
import type { TreeEntry } from './tree.js';
import type { BlockSink, ImportOptions, ImportResult, SkippedEntry } from './types.js';

/**
 * Imports a directory (or a single file) as kubo's `ipfs add -r` would with the same
 * profile, and returns the root CID. Blocks stream to `options.blockstore` (default:
 * nowhere, only the CIDs are computed). The root directory's own CID: no wrapping.
 */
export async function importDirectory(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const params = resolveProfile(options.profile, options.overrides);
  if (options.signal?.aborted) throw abortError(options.signal, 'The import');
  // A CAR that cannot be written fails before the walk, not after the whole import.
  if (options.car !== undefined) await checkCarPath(options.car, path);
  const walked = await walk(path, {
    ...(options.hidden === undefined ? {} : { hidden: options.hidden }),
    ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return importWalked(walked.root, walked.skipped, options, params, path);
}

/**
 * The same import from a tree that is not on disk (tests, generated or streamed inputs).
 * Hidden-file and ignore rules are the walk's business, so they do not apply here.
 */
export async function importTree(
  root: TreeEntry,
  options: Omit<ImportOptions, 'hidden' | 'ignore'> = {},
): Promise<ImportResult> {
  const params = resolveProfile(options.profile, options.overrides);
  if (options.signal?.aborted) throw abortError(options.signal, 'The import');
  return importWalked(root, [], options, params);
}

async function importWalked(
  root: TreeEntry,
  skipped: SkippedEntry[],
  options: ImportOptions,
  params: ReturnType<typeof resolveProfile>,
  /** The imported path on disk, if any (the CAR must not go inside it). */
  path?: string,
): Promise<ImportResult> {
  const totals = countTree(root);
  options.onProgress?.(new CustomProgressEvent('unixfs:walk:done', { ...totals }));
  const base = options.blockstore ?? hashOnlySink;
  const dag = { blocks: 0, bytes: 0 };
  const counted: BlockSink = {
    put(cid, bytes, opts) {
      dag.blocks++;
      dag.bytes += bytes.byteLength;
      return base.put(cid, bytes, opts);
    },
  };
  const car =
    options.car === undefined
      ? undefined
      : await createCarFile(options.car, params.cidVersion, path, { sync: options.carSync !== false });
  let link;
  try {
    link = await buildDag(root, {
      params,
      sink: car === undefined ? counted : teeSink(counted, car),
      // The CAR file's put resolves once the bytes are written out: it keeps nothing either.
      sinkKeepsNothing: base === hashOnlySink,
      totals,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    await car?.finish(link.cid);
  } catch (err) {
    await car?.abort();
    throw err;
  }
  const result: ImportResult = {
    cid: link.cid,
    profile: options.profile ?? DEFAULT_PROFILE,
    ...totals,
    skipped,
    dag,
    ...(car === undefined ? {} : { car: car.path }),
  };
  options.onProgress?.(new CustomProgressEvent('unixfs:import:done', result));
  return result;
}

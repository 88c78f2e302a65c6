import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A quick count of files and bytes under `path`, to scale the wait deadline before the
 * import runs. An estimate: it counts what `hidden` and `ignore` may leave out. A path that
 * cannot be read counts as empty (the import reports the real error).
 */
export async function measureTree(path: string): Promise<{ files: number; bytes: number }> {
  try {
    const top = await lstat(path);
    if (!top.isDirectory()) return { files: 1, bytes: top.size };
    const entries = await readdir(path, { recursive: true, withFileTypes: true });
    let files = 0;
    let bytes = 0;
    for (const e of entries) {
      if (!e.isFile()) continue;
      files++;
      try {
        bytes += (await lstat(join(e.parentPath, e.name))).size;
      } catch {
        // Gone or unreadable: the import decides what that means.
      }
    }
    return { files, bytes };
  } catch {
    return { files: 0, bytes: 0 };
  }
}

import { errorMessage, IpfsPinError } from '../errors.js';

/** Maps a Node fs error to our codes, naming the path and what we tried. */
export function fsError(err: unknown, path: string, what: string): IpfsPinError {
  if (err instanceof IpfsPinError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new IpfsPinError('IMPORT_PERMISSION', `Permission denied: cannot ${what} ${path}`, {
      cause: err,
      data: { path },
    });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new IpfsPinError('IMPORT_FAILED', `${path} disappeared while it was being imported (${code})`, {
      cause: err,
      data: { path },
    });
  }
  const message = errorMessage(err);
  return new IpfsPinError('IMPORT_FAILED', `Cannot ${what} ${path}: ${message}`, {
    cause: err,
    data: { path },
  });
}

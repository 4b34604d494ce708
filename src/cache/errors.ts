/** The cache could not serve a path: missing, not a regular file, or unreadable. Carries errno's code. */
export class CacheFileError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CacheFileError';
  }
}

export function asCacheFileError(err: unknown): CacheFileError {
  if (err instanceof CacheFileError) return err;
  const e = err as NodeJS.ErrnoException;
  return new CacheFileError(e.code ?? 'EIO', e.message);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> '1.5 KiB', 150 MiB -> '150 MiB'. */
export function formatBytes(bytes: number): string {
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : 1)} ${BYTE_UNITS[unit] ?? ''}`;
}

/** 850 -> '850 ms', 3277 -> '3.3 s', 95000 -> '1 min 35 s', 119600 -> '2 min'. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  // Round to whole seconds first, so 119.6 s is '2 min', never '1 min 60 s'.
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const rest = total - m * 60;
  return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
}

/** plural(1, 'file') -> '1 file', plural(2, 'file') -> '2 files'. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

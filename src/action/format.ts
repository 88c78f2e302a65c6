export { formatBytes, formatMs, plural } from '../lib/index.js';

/** Text for HTML and for a Markdown table cell: nothing in it can open a tag or split the row. */
export function escapeCell(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '&#124;')
    .replace(/\r?\n/g, ' ');
}

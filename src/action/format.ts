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

/**
 * Text from a service (or anything else outside our control) for a Markdown comment or
 * summary: cut to `max` characters, HTML-escaped like {@link escapeCell} (no tags, no
 * autolinks, no table cells of its own), brackets backslash-escaped (no links or images),
 * and @mentions, #references and URLs broken with a zero-width space so that GitHub
 * neither notifies anyone, links an issue, nor makes a link.
 */
export function markdownText(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  const unlinked = cut
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/#(?=\d)/g, '#\u200b')
    .replace(/:\/\//g, ':\u200b//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u200b.`);
  // Escaped brackets make no link or image; entities last, so their own '&' and '#' stay.
  return escapeCell(unlinked.replace(/[\\[\]]/g, '\\$&'));
}

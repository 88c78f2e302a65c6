/**
 * Every form in which a secret could show up in text we print: as given, trimmed and
 * without a `Bearer ` prefix (what the client actually sends), URL-encoded, JSON-escaped,
 * HTML-escaped, and base64/base64url, including the pieces of it that stand inside a longer
 * base64 text (a `Basic` header, an encoded JSON blob) at each of the three byte alignments.
 * Masking all of them keeps a token out of logs, comments and outputs whatever a service
 * echoes back. Forms shorter than 8 characters are left out: they would blot out ordinary
 * words, and no real token is that short.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const bases = new Set([secret, secret.trim(), secret.trim().replace(/^bearer\s+/i, '')]);
  for (const s of bases) {
    if (s === '') continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(encodeURIComponent(s).replace(/%20/g, '+'));
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(
      s
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;'),
    );
    const bytes = Buffer.from(s, 'utf8');
    for (let k = 0; k < 3; k++) {
      const padded = Buffer.concat([Buffer.alloc(k), bytes]);
      // Characters mixing bits of the unknown bytes around the secret are dropped.
      const start = k === 0 ? 0 : k + 1;
      const end = Math.floor(padded.length / 3) * 4;
      for (const encoding of ['base64', 'base64url'] as const) {
        const text = padded.toString(encoding);
        if (k === 0) forms.add(text);
        if (end > start) forms.add(text.slice(start, end));
      }
    }
  }
  return [...forms].filter((f) => f.length >= 8).sort((a, b) => b.length - a.length);
}

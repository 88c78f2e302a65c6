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

/**
 * Replaces every echo of each secret in `text` with `replacement`: the forms of
 * {@link secretForms} as they stand, and also wherever the text spells one with escapes
 * that decode to it, whatever the escaper chose: percent-encoding in either case and of
 * any character (`%2D` for `-`, `%2f` for `/`), `+` for a space, JSON `\u002d`, HTML
 * `&#45;`, `&#x2d;` and named entities, nested up to three times (`%252D`). The whole
 * escaped span is replaced, so no piece of it survives.
 */
export function redactSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
  replacement: string,
): string {
  const forms = new Set<string>();
  for (const s of secrets) if (s !== undefined) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0 || text === '') return text;
  const needles = [...forms].map((f) => Buffer.from(f, 'utf8').toString('latin1'));
  const plus = [...forms].some((f) => f.includes(' '));
  const ranges: [number, number][] = [];
  let view: View | undefined = bytesView(text);
  for (let level = 0; view !== undefined && level <= MAX_DECODE_LEVELS; level++) {
    for (const needle of needles) {
      for (let at = view.text.indexOf(needle); at !== -1; at = view.text.indexOf(needle, at + 1))
        ranges.push([view.start[at] ?? 0, view.end[at + needle.length - 1] ?? text.length]);
    }
    view = decodeOnce(view, plus);
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  let open: [number, number] | undefined;
  for (const r of ranges) {
    if (open !== undefined && r[0] <= open[1]) {
      open[1] = Math.max(open[1], r[1]);
      continue;
    }
    if (open !== undefined) {
      out += text.slice(pos, open[0]) + replacement;
      pos = open[1];
    }
    open = [r[0], r[1]];
  }
  if (open !== undefined) out += text.slice(pos, open[0]) + replacement + text.slice(open[1]);
  return out;
}

const MAX_DECODE_LEVELS = 3;

/** Text as UTF-8 bytes (one latin1 character each), with the span of `text` each byte came from. */
interface View {
  text: string;
  start: number[];
  end: number[];
}

function bytesView(text: string): View {
  let bytes = '';
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const b = Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
    bytes += b;
    for (let k = 0; k < b.length; k++) {
      start.push(i);
      end.push(i + width);
    }
    i += width;
  }
  return { text: bytes, start, end };
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPE =
  /%([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|&#(\d{1,7});|&#[xX]([0-9a-fA-F]{1,6});|&(amp|lt|gt|quot|apos);|\+/g;

/** One level of unescaping, each decoded byte keeping the span of its escape; undefined when nothing changed. */
function decodeOnce(view: View, plus: boolean): View | undefined {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let pos = 0;
  let changed = false;
  const copy = (from: number, to: number): void => {
    text += view.text.slice(from, to);
    for (let k = from; k < to; k++) {
      start.push(view.start[k] ?? 0);
      end.push(view.end[k] ?? 0);
    }
  };
  for (const m of view.text.matchAll(ESCAPE)) {
    const at = m.index;
    const [whole, pct, u, dec, hex, named] = m;
    let bytes: string;
    if (pct !== undefined) bytes = String.fromCharCode(parseInt(pct, 16));
    else if (whole === '+') {
      if (!plus) continue;
      bytes = ' ';
    } else {
      const cp =
        u !== undefined
          ? parseInt(u, 16)
          : dec !== undefined
            ? Number(dec)
            : hex !== undefined
              ? parseInt(hex, 16)
              : (NAMED[named ?? '']?.codePointAt(0) ?? 0);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) continue;
      bytes = Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
    }
    copy(pos, at);
    const s = view.start[at] ?? 0;
    const e = view.end[at + whole.length - 1] ?? 0;
    text += bytes;
    for (let k = 0; k < bytes.length; k++) {
      start.push(s);
      end.push(e);
    }
    pos = at + whole.length;
    changed = true;
  }
  if (!changed) return undefined;
  copy(pos, view.text.length);
  return { text, start, end };
}

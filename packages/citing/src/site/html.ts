// HTML helpers for the static site. Every string that comes from a record (labels, claims, evidence, reasons) goes
// through `escapeHtml` before it reaches a page: records are data written by notebooks and may hold any text.

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as `\u003c` so no `</script>` (or `<!--`) in a
 * string can end the block early; U+2028/U+2029 are escaped for older JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A table from already-escaped cells; `header` is plain text. `rowAttrs[i]` (already escaped, e.g. from `attrs`) goes
 * on row i's `<tr>`.
 */
export function htmlTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { className?: string; rowAttrs?: readonly string[] } = {},
): string {
  const cls = opts.className === undefined ? '' : ` class="${escapeHtml(opts.className)}"`;
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r, i) => {
      const a = opts.rowAttrs?.[i] ?? '';
      return `<tr${a}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table${cls}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Attributes from plain values, escaped, each with a leading space; null values are left out. */
export function attrs(values: Readonly<Record<string, string | null>>): string {
  return Object.entries(values)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
}

/**
 * One page: `root` is the relative path back to the site root ('' at the top, '../../' on a run page), so the site
 * works from any folder a static host puts it in, and from file:// (apart from compare.html, which fetches).
 */
export function page(opts: { title: string; root: string; body: string; scripts?: readonly string[] }): string {
  const scripts = (opts.scripts ?? []).map((s) => `<script src="${escapeHtml(opts.root + s)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" href="${escapeHtml(opts.root)}assets/site.css">
</head>
<body>
<header><a href="${escapeHtml(opts.root)}index.html">Concurrency Casebook</a> · <a href="${escapeHtml(opts.root)}compare.html">compare runs</a></header>
${opts.body}
${scripts}
</body>
</html>
`;
}

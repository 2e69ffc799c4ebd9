// Small, pure helpers for the GitHub-flavoured markdown that cite, compare and the results index print.

/** A table cell: pipes escaped, newlines flattened (a cell is one line in GFM). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly string[],
): string {
  const sep = header.map((_, i) => {
    const a = align?.[i];
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  return [header, sep, ...rows].map((r) => `| ${r.map((c) => cell(c)).join(' | ')} |`).join('\n');
}

/** A number for people: up to 4 significant digits, thousands not separated (copy-pasteable), '—' when missing. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10 ** digits) return String(Math.round(x));
  return String(Number(x.toPrecision(digits)));
}

/** A ratio such as `0.52×`. */
export function times(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`;
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Quote a shell argument only when it needs it. */
export function shellArg(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

// Text widths for DejaVu Sans, the one font the renderer pins.
//
// Without a canvas, vega guesses every string as 0.8 em per character, so axis titles, labels and legends get
// laid out far too wide (or truncated too early). These advance widths were read from the `hmtx` table of Debian's
// DejaVuSans.ttf / DejaVuSans-Bold.ttf (2048 units per em). Kerning is ignored: widths come out a little wide,
// never narrow, so text is never clipped.

/** DejaVu Sans design units per em. */
const UNITS_PER_EM = 2048;

/** Advance widths of ASCII 32 (space) to 126 (~), in font units. */
const REGULAR_ASCII: readonly number[] = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540,
  604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690,
  799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
  1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];

const BOLD_ASCII: readonly number[] = [
  713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425,
  1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714,
  762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748,
  936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466,
  1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716,
];

/** Non-ASCII characters that chart labels in this lab use (units, bounds, ellipsis used by vega's truncation). */
const REGULAR_EXTRA: ReadonlyMap<string, number> = new Map([
  ['\u00a0', 651],
  ['°', 1024],
  ['±', 1716],
  ['µ', 1303],
  ['·', 651],
  ['×', 1716],
  ['÷', 1716],
  ['–', 1024],
  ['—', 2048],
  ['…', 2048],
  ['≈', 1716],
  ['≤', 1716],
  ['≥', 1716],
  ['→', 1716],
  ['−', 1716],
  ['\u2009', 409],
  ['μ', 1303],
  ['Δ', 1401],
  ['σ', 1298],
]);

const BOLD_EXTRA: ReadonlyMap<string, number> = new Map([
  ['\u00a0', 713],
  ['°', 1024],
  ['±', 1716],
  ['µ', 1507],
  ['·', 778],
  ['×', 1716],
  ['÷', 1716],
  ['–', 1024],
  ['—', 2048],
  ['…', 2048],
  ['≈', 1716],
  ['≤', 1716],
  ['≥', 1716],
  ['→', 1716],
  ['−', 1716],
  ['\u2009', 409],
  ['μ', 1507],
  ['Δ', 1585],
  ['σ', 1595],
]);

/** Width assumed for characters not in the tables: a digit's advance (wide enough for most Latin letters). */
const FALLBACK_REGULAR = 1303;
const FALLBACK_BOLD = 1425;
/** CJK and other wide scripts are a full em. */
const FULL_WIDTH_FROM_CODE_POINT = 0x2e80;

/** Width in CSS pixels of `text` set in DejaVu Sans at `fontSizePx` (no kerning, single line). */
export function dejaVuTextWidthPx(text: string, fontSizePx: number, bold: boolean): number {
  const ascii = bold ? BOLD_ASCII : REGULAR_ASCII;
  const extra = bold ? BOLD_EXTRA : REGULAR_EXTRA;
  const fallback = bold ? FALLBACK_BOLD : FALLBACK_REGULAR;
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 32 && cp < 127) {
      units += ascii[cp - 32] ?? fallback;
    } else if (cp >= FULL_WIDTH_FROM_CODE_POINT) {
      units += UNITS_PER_EM;
    } else if (cp >= 32) {
      units += extra.get(ch) ?? fallback;
    }
  }
  return (units / UNITS_PER_EM) * fontSizePx;
}

/** The part of a vega text scenegraph item that decides its width. */
export interface VegaTextItem {
  fontSize?: unknown;
  fontWeight?: unknown;
}

/** vega's default font size (vega-scenegraph `fontSize()`). */
const VEGA_DEFAULT_FONT_SIZE_PX = 11;

function isBold(weight: unknown): boolean {
  if (typeof weight === 'number') return weight >= 600;
  if (typeof weight === 'string') return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
  return false;
}

/**
 * A drop-in for vega-scenegraph's `textMetrics.width(item, text)`.
 *
 * It measures the text as given and does not apply the item's `limit`: vega's own truncation calls this very
 * function to find where to cut, so truncating here would stop vega from ever truncating. The cost is that the
 * bounds of a truncated label are computed from its full text (extra padding, never clipping).
 */
export function vegaTextWidth(item: VegaTextItem, text: unknown): number {
  const size = item.fontSize == null ? VEGA_DEFAULT_FONT_SIZE_PX : Number(item.fontSize) || 0;
  if (size <= 0 || text == null) return 0;
  const bold = isBold(item.fontWeight);
  if (Array.isArray(text)) {
    return text.reduce<number>((max, line) => Math.max(max, vegaTextWidth(item, line)), 0);
  }
  return dejaVuTextWidthPx(String(text).trim(), size, bold);
}

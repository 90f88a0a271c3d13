// The backend gives passage offsets in Unicode code points (Go runes); JS
// strings index UTF-16 code units. Characters outside the BMP (emoji, rare
// kanji such as 𠮷) take two units, so the two differ after the first one.

/**
 * Returns the UTF-16 index of code point `cp` in `text`, clamped to
 * [0, text.length]. A lone surrogate counts as one code point, as Go does
 * (it decodes it as U+FFFD).
 */
export function codePointToUtf16(text: string, cp: number): number {
  if (!(cp > 0)) return 0;
  let i = 0;
  let n = 0;
  while (i < text.length && n < cp) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      i += d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
    } else {
      i += 1;
    }
    n++;
  }
  return i;
}

/** The inverse: the number of code points before UTF-16 index `i`. */
export function utf16ToCodePoint(text: string, i: number): number {
  let n = 0;
  for (let j = 0; j < Math.min(i, text.length); n++) {
    const c = text.charCodeAt(j);
    const d = text.charCodeAt(j + 1);
    j += c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
  }
  return n;
}

/**
 * Splits `text` around the code-point range [start, end) into before, the
 * highlighted part and after. An empty or inverted range gives no highlight.
 */
export function splitHighlight(text: string, start: number, end: number): [string, string, string] {
  const a = codePointToUtf16(text, start);
  const b = codePointToUtf16(text, end);
  if (b <= a) return [text, "", ""];
  return [text.slice(0, a), text.slice(a, b), text.slice(b)];
}

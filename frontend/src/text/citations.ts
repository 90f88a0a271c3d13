// Answers cite quotes as [1], [1, 2], [1][2] or [1-3] (models also write
// full-width brackets and digits in Japanese text). The text is split into
// plain runs and citation groups so the UI can render each number as a chip.
//
// This is the same grammar as the Go package internal/cite (which marks the
// saved sources as cited); both test suites read one table of cases,
// internal/cite/testdata/cases.json, so a change here without the same change
// there fails a test.

export type Segment = { kind: "text"; text: string } | { kind: "cite"; numbers: number[]; raw: string };

// A bracket pair holding one- to three-digit numbers separated by commas
// (ASCII, full-width, ideographic) or semicolons, or a range with a dash.
// ([2023] is a year, not a citation.)
const CITE = /[[［【]\s*([0-9０-９]{1,3}(?:\s*(?:[,，、;；]|[-–~〜])\s*[0-9０-９]{1,3})*)\s*[\]］】]/g;
const MAX_RANGE = 20;

function toInt(s: string): number {
  return Number(s.replace(/[０-９]/g, (d) => String(d.charCodeAt(0) - 0xff10)));
}

/** Parses the inside of a bracket ("1, 2", "2-4") into citation numbers. */
export function parseNumbers(inner: string): number[] {
  const out: number[] = [];
  for (const part of inner.split(/\s*[,，、;；]\s*/)) {
    const range = part.split(/\s*[-–~〜]\s*/);
    if (range.length === 2) {
      const a = toInt(range[0]);
      const b = toInt(range[1]);
      if (b >= a && b - a < MAX_RANGE) for (let i = a; i <= b; i++) out.push(i);
      else out.push(a, b);
    } else {
      out.push(...range.map(toInt));
    }
  }
  return [...new Set(out.filter((n) => Number.isInteger(n) && n > 0))];
}

/**
 * Splits text into plain and citation segments. `valid`, when given, keeps
 * only numbers it accepts (a citation with none left stays plain text).
 */
export function parseCitations(text: string, valid?: (n: number) => boolean): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(CITE)) {
    const at = m.index ?? 0;
    // [1](…) is a Markdown link, not a citation.
    if (text[at + m[0].length] === "(") continue;
    let numbers = parseNumbers(m[1]);
    if (valid) numbers = numbers.filter(valid);
    if (numbers.length === 0) continue;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    out.push({ kind: "cite", numbers, raw: m[0] });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/** The distinct citation numbers in text, in order of first appearance. */
export function citedNumbers(text: string): number[] {
  const seen = new Set<number>();
  for (const s of parseCitations(text)) if (s.kind === "cite") s.numbers.forEach((n) => seen.add(n));
  return [...seen];
}

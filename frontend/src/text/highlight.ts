// Marking a query's words in a passage, as a reader scanning for the
// evidence wants: Latin words case-insensitively (whole words, or the start
// of one: "survey" marks "surveys"), and Japanese, Chinese and Korean runs
// by their longest pieces that occur in the text (no spaces separate their
// words; a run of hiragana alone is a particle or an ending and marks
// nothing). Offsets are UTF-16 indices into the text, for slicing.

export interface Mark {
  start: number;
  end: number;
}

const HIRAGANA = /^[\u3040-\u309f\u30fc]+$/;
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/;
const KOREAN_PARTICLE = /(은|는|이|가|을|를|의|에|에서|으로|로|와|과|도|만|께서|에게|한테|부터|까지)$/;
const LATIN_STOP = new Set(["the", "a", "an", "of", "to", "in", "on", "and", "or", "is", "are", "was", "were", "be", "what", "which", "how", "when", "who", "why", "does", "do", "did", "for", "with", "by", "at", "it", "this", "that"]);

/** The pieces of a query worth marking: words and CJK runs (script changes split them). */
export function queryTerms(query: string): string[] {
  const out = new Set<string>();
  for (const m of query.normalize("NFKC").matchAll(/[\p{L}\p{N}][\p{L}\p{N}._-]*/gu)) {
    let run = m[0];
    // Split where the script changes (kanji / kana / Hangul / Latin).
    for (const piece of run.match(/[\u3400-\u9fff\uf900-\ufaff々〆]+|[\u3040-\u309f\u30fc]+|[\u30a0-\u30ff]+|[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+|[^\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+/gu) ?? []) {
      run = piece.replace(/^[._-]+|[._-]+$/g, "");
      if (!run) continue;
      if (CJK.test(run)) {
        if (HIRAGANA.test(run)) continue;
        const bare = /[\uac00-\ud7af]/.test(run) ? run.replace(KOREAN_PARTICLE, "") : run;
        if ([...bare].length >= 1) out.add(bare);
      } else if (run.length >= 2 && !LATIN_STOP.has(run.toLowerCase())) {
        out.add(run.toLowerCase());
      }
    }
  }
  return [...out];
}

/**
 * Where the query's terms occur in text, merged and sorted. A CJK term
 * that does not occur whole is marked by its longest substrings of two or
 * more characters that do.
 */
export function findTerms(text: string, terms: string[]): Mark[] {
  if (terms.length === 0 || !text) return [];
  const lower = text.toLowerCase();
  const marks: Mark[] = [];
  const addAll = (needle: string, wordStart: boolean) => {
    if (!needle) return false;
    let found = false;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
      if (wordStart && i > 0 && /[\p{L}\p{N}]/u.test(lower[i - 1])) continue;
      marks.push({ start: i, end: i + needle.length });
      found = true;
    }
    return found;
  };
  for (const term of terms) {
    if (!CJK.test(term)) {
      addAll(term, true);
      continue;
    }
    if (addAll(term, false)) continue;
    // The longest pieces of the run that occur, left to right.
    const chars = [...term];
    for (let i = 0; i < chars.length - 1; ) {
      let len = chars.length - i;
      while (len >= 2 && !lower.includes(chars.slice(i, i + len).join(""))) len--;
      if (len >= 2) {
        addAll(chars.slice(i, i + len).join(""), false);
        i += len;
      } else i++;
    }
  }
  marks.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Mark[] = [];
  for (const m of marks) {
    const last = merged[merged.length - 1];
    if (last && m.start <= last.end) last.end = Math.max(last.end, m.end);
    else merged.push({ ...m });
  }
  return merged;
}

export type Piece = { text: string; hit: boolean };

/** Splits text into plain pieces and pieces that are query terms. */
export function splitTerms(text: string, terms: string[]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of findTerms(text, terms)) {
    if (m.start > at) out.push({ text: text.slice(at, m.start), hit: false });
    out.push({ text: text.slice(m.start, m.end), hit: true });
    at = m.end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), hit: false });
  return out;
}

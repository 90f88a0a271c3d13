// The same passage often exists in several files (a report as PDF, as text
// and inside a combined PDF). Lists of sources and search results show it
// once, with every file it is in.

import type { Passage } from "../api/types";

export interface Grouped<P extends Passage = Passage> {
  /** The passage shown (the first, best ranked, of its group). */
  passage: P;
  /** The same text in other files (or places), in rank order. */
  also: P[];
}

/** Text compared without spacing, case or width differences. */
function key(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}

/** Groups passages whose text is the same, keeping the order of first appearance. */
export function groupSame<P extends Passage>(passages: P[]): Grouped<P>[] {
  const out: Grouped<P>[] = [];
  const byKey = new Map<string, Grouped<P>>();
  for (const p of passages) {
    const k = key(p.text);
    const g = k.length >= 12 ? byKey.get(k) : undefined;
    if (g) {
      g.also.push(p);
      continue;
    }
    const fresh = { passage: p, also: [] };
    out.push(fresh);
    if (k.length >= 12) byKey.set(k, fresh);
  }
  return out;
}

/**
 * Groups an answer's sources for its row of chips: those on the same page
 * of the same file content (one report reached through two paths: a copy,
 * a folder added twice) make one chip, whichever sentences they quote;
 * then, as groupSame, the same text in different files. Sources without a
 * hash (saved before it was kept) are grouped by text only.
 */
export function groupSamePage<P extends Passage>(sources: P[]): Grouped<P>[] {
  const heads: P[] = [];
  const samePage = new Map<P, P[]>();
  const byPage = new Map<string, P>();
  for (const p of sources) {
    const k = p.hash ? `${p.hash}\u0000${p.page}\u0000${Math.max(p.endPage, p.page)}` : "";
    const head = k ? byPage.get(k) : undefined;
    if (head) {
      samePage.get(head)!.push(p);
      continue;
    }
    if (k) byPage.set(k, p);
    samePage.set(p, []);
    heads.push(p);
  }
  // Then the same text in files of different content (a PDF and its text export).
  return groupSame(heads).map((g) => ({
    passage: g.passage,
    also: [g.passage, ...g.also].flatMap((h, i) => (i === 0 ? samePage.get(h)! : [h, ...samePage.get(h)!])),
  }));
}

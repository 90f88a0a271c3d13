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

// What a document is called to a reader, and the questions its names suggest.

import type { Document } from "../api";
import { t } from "../i18n";

/**
 * Whether a document's own title tells more than its file name: not empty,
 * not the file name, and not a bare number or code ("001", EPUB and HTML
 * metadata often hold nothing else).
 */
export function meaningfulTitle(d: Pick<Document, "title" | "name">): boolean {
  const title = d.title.trim();
  if (!title) return false;
  const stem = d.name.replace(/\.[^.]+$/, "");
  if (title === d.name || title === stem) return false;
  return /\p{L}{2,}/u.test(title);
}

/** Whether a name is made of words, not only of numbers and hex codes ("000_0eff4470da887f30"). */
function hasWords(name: string): boolean {
  return name.split(/[\s_\-.]+/).some((w) => /\p{L}{2,}/u.test(w) && !/^[0-9a-f]+$/i.test(w));
}

/**
 * A document's heading: the first line of its first page that is made of
 * words, cut to `max` characters ("" for none). Titles are often missing
 * (plain text, Markdown without metadata); the first line is the heading.
 */
export function headingOf(text: string, max = 40): string {
  for (const raw of text.split("\n").slice(0, 12)) {
    const line = raw.replace(/^#+\s*/, "").replace(/\s+/g, " ").trim();
    if (line.length < 2 || !hasWords(line)) continue;
    return [...line].length > max ? [...line].slice(0, max - 1).join("") + "…" : line;
  }
  return "";
}

/** The documents whose names may suggest questions: searchable now, newest first. */
export function suggestionCandidates<D extends Pick<Document, "status" | "indexedAt">>(docs: D[]): D[] {
  return docs.filter((d) => d.status === "indexed" || d.status === "lexical").sort((a, b) => b.indexedAt - a.indexedAt);
}

const SUGGESTIONS = ["chat.suggest.points", "chat.suggest.numbers", "chat.suggest.risks"] as const;

/**
 * Up to three questions about the collection's own documents, in the UI's
 * language, naming them as they name themselves, in their own language:
 * their title, else their heading (the first line of `firstPages`, the text
 * of their first page by path), else their file name when it is made of words. Each
 * name is used once: the same report as PDF and text is one document.
 */
export function suggestedQuestions(
  docs: Pick<Document, "path" | "title" | "name" | "status" | "indexedAt">[],
  firstPages: ReadonlyMap<string, string> = new Map(),
): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const d of suggestionCandidates(docs)) {
    const stem = d.name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").trim();
    const name = headingOf(meaningfulTitle(d) ? d.title : firstPages.get(d.path) || (hasWords(stem) ? stem : ""));
    const key = name.normalize("NFKC").toLowerCase();
    if (!name || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
    if (names.length === SUGGESTIONS.length) break;
  }
  return names.map((title, i) => t(SUGGESTIONS[i], { title }));
}

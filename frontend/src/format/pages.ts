// Where a passage is: "p. 3", "pp. 11–12" for a sentence that runs across a
// page break, or "§ 3" for a numbered section of a long text.

import type { Passage } from "../api";
import { t } from "../i18n";

/**
 * What a passage's `page` counts. PDFs, slides and sheets have pages; the
 * other formats have none (page 0), unless their text is long: then it is
 * stored in sections numbered from 1 (docs/API.md, "Pages and sections").
 */
const PAGED = /\.(pdf|pptx|xlsx)$/i;

/** Whether page n of the file called name is a section of a long text rather than a page. */
export function isSection(name: string, page: number): boolean {
  return page > 0 && !PAGED.test(name);
}

/** The i18n key that labels page n of name in a list ("p. 3" or "§ 3"). */
export function pageKey(name: string, page: number): "search.page" | "search.section" {
  return isSection(name, page) ? "search.section" : "search.page";
}

/**
 * The label of where a passage is, or "" for a text without pages. Without a
 * name the number is taken to be a page.
 */
export function pageLabel(p: Pick<Passage, "page" | "endPage"> & { name?: string }): string {
  if (!(p.page > 0)) return "";
  const end = p.endPage > p.page ? p.endPage : p.page;
  const section = p.name !== undefined && isSection(p.name, p.page);
  if (end > p.page) return t(section ? "search.sections" : "search.pages", { page: p.page, end });
  return t(section ? "search.section" : "search.page", { page: p.page });
}

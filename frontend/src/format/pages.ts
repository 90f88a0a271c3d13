// Where a passage is: "p. 3", "pp. 11–12" for a sentence that runs across a
// page break, or "§ 3" for a numbered section of a long text.

import type { Passage } from "../api";
import { t } from "../i18n";

/**
 * Whether page n of a passage is a section of a long text rather than a
 * page. The backend says which (`paged`, from package extract's one table of
 * formats); without it the number is taken to be a page.
 */
export function isSection(p: { page: number; paged?: boolean }): boolean {
  return p.page > 0 && p.paged === false;
}

/** The label of where a passage is, or "" for a text without pages. */
export function pageLabel(p: Pick<Passage, "page" | "endPage"> & { paged?: boolean }): string {
  if (!(p.page > 0)) return "";
  const end = p.endPage > p.page ? p.endPage : p.page;
  const section = isSection(p);
  if (end > p.page) return t(section ? "search.sections" : "search.pages", { page: p.page, end });
  return t(section ? "search.section" : "search.page", { page: p.page });
}

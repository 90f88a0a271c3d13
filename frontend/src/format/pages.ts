// Where a passage is: "p. 3", or "pp. 11–12" for a sentence that runs
// across a page break.

import type { Passage } from "../api";
import { t } from "../i18n";

/** The page label of a passage, or "" for formats without pages. */
export function pageLabel(p: Pick<Passage, "page" | "endPage">): string {
  if (!(p.page > 0)) return "";
  const end = p.endPage > p.page ? p.endPage : p.page;
  return end > p.page ? t("search.pages", { page: p.page, end }) : t("search.page", { page: p.page });
}

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

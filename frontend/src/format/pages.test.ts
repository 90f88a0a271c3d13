import { describe, expect, it } from "vitest";
import { isSection, pageKey } from "./pages";

describe("pages and sections", () => {
  it("calls a numbered part of a long text a section", () => {
    expect(isSection("log.txt", 3)).toBe(true);
    expect(isSection("book.epub", 1)).toBe(true);
    expect(pageKey("notes.md", 2)).toBe("search.section");
  });
  it("keeps pages for PDFs, slides and sheets", () => {
    expect(isSection("report.PDF", 3)).toBe(false);
    expect(pageKey("deck.pptx", 2)).toBe("search.page");
  });
  it("has no section for a text without parts", () => {
    expect(isSection("short.txt", 0)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { isSection, pageKey, pageLabel } from "./pages";

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

describe("pageLabel", () => {
  it("names one page", () => {
    expect(pageLabel({ page: 3, endPage: 3 })).toBe("p. 3");
  });
  it("names both pages of a passage that runs across a page break", () => {
    expect(pageLabel({ page: 11, endPage: 12 })).toBe("pp. 11–12");
  });
  it("treats a missing or earlier end page as the start page (sources saved before end pages existed)", () => {
    expect(pageLabel({ page: 5, endPage: 0 })).toBe("p. 5");
  });
  it("says nothing for formats without pages", () => {
    expect(pageLabel({ page: 0, endPage: 0 })).toBe("");
  });
  it("names sections of a long text as sections, not pages", () => {
    expect(pageLabel({ name: "log.txt", page: 4, endPage: 4 })).toBe("§ 4");
    expect(pageLabel({ name: "log.txt", page: 4, endPage: 5 })).toBe("§ 4–5");
    expect(pageLabel({ name: "report.pdf", page: 4, endPage: 5 })).toBe("pp. 4–5");
  });
});

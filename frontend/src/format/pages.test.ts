import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isSection, pageLabel } from "./pages";

/**
 * The one table of how a place in a file is cited; the backend's tests read
 * it too (internal/extract: `paged` is what the DTOs carry for the file;
 * internal/cli: the terminal's words).
 */
const table = fileURLToPath(new URL("../../../internal/extract/testdata/formats.json", import.meta.url));
const cases: { why: string; file: string; paged: boolean; page: number; endPage: number; ui: string }[] = JSON.parse(
  readFileSync(table, "utf8"),
);

describe("pageLabel", () => {
  it("has the shared table of cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(c.why, () => {
      expect(pageLabel({ page: c.page, endPage: c.endPage, paged: c.paged })).toBe(c.ui);
    });
  }
  it("takes a number to be a page when the backend did not say", () => {
    expect(pageLabel({ page: 3, endPage: 3 })).toBe("p. 3");
  });
});

describe("isSection", () => {
  it("is a section only when the backend says the file has no pages", () => {
    expect(isSection({ page: 3, paged: false })).toBe(true);
    expect(isSection({ page: 3, paged: true })).toBe(false);
    expect(isSection({ page: 0, paged: false })).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { pageLabel } from "./pages";

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
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { citedNumbers, parseCitations, parseNumbers } from "./citations";

// The grammar's cases, shared with the Go package internal/cite.
type Case = {
  name: string;
  text: string;
  valid_max?: number;
  segments: { text: string; cite?: number[] }[];
  numbers: number[];
};
const table: { cases: Case[] } = JSON.parse(
  readFileSync(new URL("../../../internal/cite/testdata/cases.json", import.meta.url), "utf8"),
);

describe("the citation grammar shared with Go (internal/cite/testdata/cases.json)", () => {
  it("has cases", () => expect(table.cases.length).toBeGreaterThan(10));
  for (const c of table.cases) {
    it(c.name, () => {
      const valid = c.valid_max ? (n: number) => n <= c.valid_max! : undefined;
      const segs = parseCitations(c.text, valid).map((s) =>
        s.kind === "cite" ? { text: s.raw, cite: s.numbers } : { text: s.text },
      );
      expect(segs).toEqual(c.segments);
      if (!c.valid_max) expect(citedNumbers(c.text)).toEqual(c.numbers);
    });
  }
});

describe("parseNumbers", () => {
  it("expands a short range and keeps the ends of a long one", () => {
    expect(parseNumbers("2-4")).toEqual([2, 3, 4]);
    expect(parseNumbers("1, 3–4")).toEqual([1, 3, 4]);
    expect(parseNumbers("1-40")).toEqual([1, 40]);
  });

  it("drops zero and duplicates", () => {
    expect(parseNumbers("0, 1, 1")).toEqual([1]);
  });
});

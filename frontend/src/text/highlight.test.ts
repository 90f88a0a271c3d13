import { describe, expect, it } from "vitest";
import { findTerms, queryTerms, splitTerms } from "./highlight";

describe("queryTerms", () => {
  it("keeps content words and drops English stop words", () => {
    expect(queryTerms("What is the margin of error?")).toEqual(["margin", "error"]);
  });
  it("cuts Japanese where the script changes and drops particles", () => {
    expect(queryTerms("誤差範囲はどのくらいですか")).toEqual(["誤差範囲"]);
    expect(queryTerms("オープンソースAIの採用率")).toEqual(["オープンソース", "ai", "採用率"]);
  });
  it("drops a trailing Korean particle", () => {
    expect(queryTerms("보안 검증은")).toEqual(["보안", "검증"]);
  });
});

describe("findTerms", () => {
  it("marks Latin words where a word starts, whatever the case", () => {
    const text = "Surveys: the survey's resurvey.";
    expect(findTerms(text, ["survey"]).map((m) => text.slice(m.start, m.end))).toEqual(["Survey", "survey"]);
  });
  it("marks the longest pieces of a CJK run that occur", () => {
    const text = "誤差の範囲は±5.5ポイントである。";
    expect(findTerms(text, ["誤差範囲"]).map((m) => text.slice(m.start, m.end))).toEqual(["誤差", "範囲"]);
  });
  it("merges overlapping marks", () => {
    const text = "open source AI";
    expect(findTerms(text, ["open", "open source"])).toEqual([{ start: 0, end: 11 }]);
  });
});

describe("splitTerms", () => {
  it("returns the text in pieces, the hits marked", () => {
    expect(splitTerms("回答者数は316人", ["回答者数"])).toEqual([
      { text: "回答者数", hit: true },
      { text: "は316人", hit: false },
    ]);
    expect(splitTerms("nothing here", ["absent"])).toEqual([{ text: "nothing here", hit: false }]);
  });
});

import { describe, expect, it } from "vitest";
import { citedNumbers, parseCitations, parseNumbers } from "./citations";

describe("parseCitations", () => {
  it("splits a single [n] out of the text", () => {
    expect(parseCitations("回答者数は316人でした [1]。")).toEqual([
      { kind: "text", text: "回答者数は316人でした " },
      { kind: "cite", numbers: [1], raw: "[1]" },
      { kind: "text", text: "。" },
    ]);
  });

  it("reads a group [1, 2] as one citation with two numbers", () => {
    const segs = parseCitations("see [1, 2].");
    expect(segs[1]).toEqual({ kind: "cite", numbers: [1, 2], raw: "[1, 2]" });
  });

  it("reads adjacent [1][2] as two citations with nothing between", () => {
    const segs = parseCitations("x[1][2]y");
    expect(segs.map((s) => (s.kind === "cite" ? s.numbers : s.text))).toEqual(["x", [1], [2], "y"]);
  });

  it("accepts full-width brackets, digits and Japanese commas", () => {
    const segs = parseCitations("結果［１、２］と【3】");
    expect(segs.filter((s) => s.kind === "cite").map((s) => (s.kind === "cite" ? s.numbers : []))).toEqual([[1, 2], [3]]);
  });

  it("expands a short range [2-4]", () => {
    expect(parseNumbers("2-4")).toEqual([2, 3, 4]);
    expect(parseNumbers("1, 3–4")).toEqual([1, 3, 4]);
  });

  it("leaves Markdown links and non-numeric brackets alone", () => {
    expect(parseCitations("[1](http://x) and [a]")).toEqual([{ kind: "text", text: "[1](http://x) and [a]" }]);
  });

  it("keeps a citation with no valid number as plain text", () => {
    const valid = (n: number) => n <= 2;
    expect(parseCitations("a [7] b [2, 9]", valid)).toEqual([
      { kind: "text", text: "a [7] b " },
      { kind: "cite", numbers: [2], raw: "[2, 9]" },
    ]);
  });

  it("drops zero and duplicates", () => {
    expect(parseNumbers("0, 1, 1")).toEqual([1]);
  });

  it("lists the distinct cited numbers in order", () => {
    expect(citedNumbers("a [2] b [1, 2] c [3][1]")).toEqual([2, 1, 3]);
  });

  it("returns the text whole when there is no citation", () => {
    expect(parseCitations("no citations")).toEqual([{ kind: "text", text: "no citations" }]);
    expect(parseCitations("")).toEqual([]);
  });
});

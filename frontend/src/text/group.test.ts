import { describe, expect, it } from "vitest";
import type { Passage } from "../api/types";
import { groupSamePage } from "./group";

const src = (n: number, path: string, page: number, text: string, hash = ""): Passage => ({
  n, path, name: path.split("/").pop()!, page, endPage: page, start: 0, end: text.length, text, score: 0, ocr: false, cited: true,
  passageStart: 0, passageEnd: 0, hash,
});

describe("groupSamePage", () => {
  it("lists the same page of one report reached through two files once, whatever sentences they quote", () => {
    const chips = groupSamePage([
      src(1, "/a/report.pdf", 3, "回答者数は316人であった。", "h1"),
      src(2, "/b/copy-of-report.pdf", 3, "誤差範囲は±4.7%である。", "h1"),
      src(3, "/a/report.pdf", 4, "次のページの文。", "h1"),
      src(4, "/a/other.pdf", 3, "別の報告書の文。", "h2"),
    ]);
    expect(chips.map((g) => [g.passage.n, ...g.also.map((a) => a.n)])).toEqual([[1, 2], [3], [4]]);
  });
  it("still groups the same text in files of different content, and sources saved without a hash", () => {
    const text = "The margin of error was three percent.";
    const chips = groupSamePage([src(1, "/r.pdf", 2, text, "h1"), src(2, "/r.docx", 1, text, "h2"), src(3, "/old.txt", 0, text), src(4, "/r.pdf", 2, "Another sentence on the page.", "h1")]);
    expect(chips.map((g) => [g.passage.n, ...g.also.map((a) => a.n)])).toEqual([[1, 4, 2, 3]]);
  });
});

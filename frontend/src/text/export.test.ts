import { describe, expect, it } from "vitest";
import type { Message, Passage } from "../api/types";
import { conversationMarkdown, exportFileName } from "./export";
import { groupSame } from "./group";

const src = (n: number, path: string, text: string, page = 0, cited = true): Passage => ({
  n, path, name: path.split("/").pop()!, page, endPage: page, start: 0, end: text.length, text, score: 0, ocr: false, cited, passageStart: 0, passageEnd: 0, hash: "",
});
const msg = (role: "user" | "assistant", text: string, sources: Passage[] = [], complete = true): Message => ({
  id: 1, role, text, sources, complete, error: "", errorCode: "", errorParams: {}, createdAt: 0,
});
const labels = { question: "Question", answer: "Answer", sources: "Sources", within: "Asked within", page: (s: { page: number }) => `p. ${s.page}`, incomplete: "(stopped)", exported: "exported" };

describe("conversationMarkdown", () => {
  it("keeps the citations and lists each answer's cited sources with their quotes", () => {
    const md = conversationMarkdown({ title: "回答者数", collection: "default" }, [
      msg("user", "回答者数は？", [src(1, "/d/survey.pdf", "")]),
      msg("assistant", "316人です [1]。", [src(1, "/d/survey.pdf", "回答者数は\n316人であった。", 3), src(2, "/d/other.txt", "unrelated", 0, false)]),
    ], labels, "2025-01-02");
    expect(md).toBe(
      "# 回答者数\n\ndefault · exported 2025-01-02\n\n## Question\n\n回答者数は？\n\n*Asked within: survey.pdf*\n\n" +
        "### Answer\n\n316人です [1]。\n\n**Sources**\n\n- [1] survey.pdf, p. 3: “回答者数は 316人であった。”\n  </d/survey.pdf>\n",
    );
  });
  it("says when an answer was stopped", () => {
    expect(conversationMarkdown({ title: "", collection: "c" }, [msg("assistant", "part", [], false)], labels, "x")).toContain("*(stopped)*");
  });
});

describe("exportFileName", () => {
  it("keeps the title's words and drops characters files cannot have", () => {
    expect(exportFileName('Budget: 2024/25 "draft"')).toBe("Budget 2024 25 draft.md");
    expect(exportFileName("   ")).toBe("conversation.md");
  });
});

describe("groupSame", () => {
  it("shows the same passage once, with the other files it is in", () => {
    const a = src(1, "/r/report.pdf", "The margin of error is 5.5 points.", 3);
    const b = src(2, "/r/report.txt", "The margin of error is\n5.5 points.");
    const c = src(3, "/r/other.pdf", "Something else entirely, quite long.");
    const g = groupSame([a, b, c]);
    expect(g.map((x) => [x.passage.n, x.also.map((y) => y.n)])).toEqual([[1, [2]], [3, []]]);
  });
  it("never merges short texts, which repeat by chance", () => {
    expect(groupSame([src(1, "/a", "Yes."), src(2, "/b", "Yes.")])).toHaveLength(2);
  });
});

import { describe, expect, it } from "vitest";
import type { AnswerCheck, Message } from "../api/types";
import { conversationMarkdown } from "../text/export";
import { claimFragments, claimTitle } from "./RichText";

const check: AnswerCheck = {
  judged: 3,
  supported: 1,
  sentences: [
    { text: "The ferry leaves at **nine** every morning [1].", verdict: "supported", cited: [1], quotes: [1], numbersMissing: [], missingQuotes: [], suggest: 0 },
    { text: "The lamp was replaced in 2004 [2].", verdict: "unsupported", cited: [2], quotes: [2], numbersMissing: ["2004"], missingQuotes: [], suggest: 0 },
    { text: "Tickets are sold at the pier [5].", verdict: "partly", cited: [5], quotes: [1], numbersMissing: [], missingQuotes: [5], suggest: 1 },
    { text: "Findings:", verdict: "", cited: [], quotes: [], numbersMissing: [], missingQuotes: [], suggest: 0 },
  ],
};

describe("an answer's judged sentences", () => {
  it("are found in the rendered text by their words between citations and emphasis", () => {
    expect(claimFragments(check).map((f) => f.text)).toEqual([
      "The ferry leaves at",
      "nine",
      "every morning",
      "The lamp was replaced in 2004",
      "Tickets are sold at the pier",
    ]);
  });

  it("say in their tooltip what is missing and which quote to read", () => {
    expect(claimTitle(check.sentences[0])).toContain("[1]");
    const unsupported = claimTitle(check.sentences[1]);
    expect(unsupported).toContain("2004");
    expect(unsupported).toContain("[2]");
    const partly = claimTitle(check.sentences[2]);
    expect(partly).toContain("[5]");
    expect(partly).toContain("[1]");
  });

  it("are exported with the answer", () => {
    const m: Message = { id: 2, role: "assistant", text: "x", sources: [], complete: true, error: "", errorCode: "", errorParams: {}, createdAt: 0, check };
    const md = conversationMarkdown({ title: "T", collection: "c" }, [m], {
      question: "Q", answer: "A", sources: "S", within: "W", page: () => "", incomplete: "I", exported: "E",
      checked: (s, j) => `${s} of ${j} found`, unsupported: (s) => s.numbersMissing.join(","),
    }, "now");
    expect(md).toContain("*1 of 3 found*");
    expect(md).toContain("“The lamp was replaced in 2004 [2].” — 2004");
    expect(md).not.toContain("every morning [1].” —");
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { suggestedQuestions } from "../format/documents";
import { setLanguage } from "../i18n";
import type { Document } from "../api/types";
import { answerEnd, mentionAt, scopeCandidates } from "./Chat";
import { meaningfulTitle } from "./Library";
import { evidenceParts } from "./SourcePanel";

const doc = (path: string, title = ""): Document => ({
  path, name: path.split("/").pop()!, status: "indexed", error: "", errorCode: "", chunks: 1, pages: 1, title, indexedAt: 0,
});

describe("@-mentions", () => {
  it("finds the mention being typed after a space or at the start", () => {
    expect(mentionAt("@rep", 4)).toEqual({ query: "rep", start: 0 });
    expect(mentionAt("what about @予算", 14)).toEqual({ query: "予算", start: 11 });
    expect(mentionAt("mail@example.com", 16)).toBeNull();
    expect(mentionAt("@done and more", 14)).toBeNull();
  });
  it("offers the matching documents, then their folders", () => {
    const docs = [doc("/d/reports/budget-2024.pdf", "予算"), doc("/d/reports/summary.txt"), doc("/d/minutes/march.md")];
    expect(scopeCandidates(docs, "budget").map((c) => c.name)).toEqual(["budget-2024.pdf"]);
    expect(scopeCandidates(docs, "予算").map((c) => c.path)).toEqual(["/d/reports/budget-2024.pdf"]);
    expect(scopeCandidates(docs, "rep").map((c) => [c.name, c.folder])).toEqual([
      ["budget-2024.pdf", false],
      ["summary.txt", false],
      ["reports/", true],
    ]);
    expect(scopeCandidates([docs[0], docs[1]], "").some((c) => c.folder)).toBe(false);
    const all = scopeCandidates(docs, "");
    expect(all.filter((c) => c.folder).map((c) => c.path)).toEqual(["/d/minutes", "/d/reports"]);
  });
});

describe("document titles", () => {
  it("shows a title only when it says more than the file name", () => {
    expect(meaningfulTitle({ name: "001.epub", title: "001" })).toBe(false);
    expect(meaningfulTitle({ name: "report.html", title: "report" })).toBe(false);
    expect(meaningfulTitle({ name: "r.pdf", title: "2024年調査報告" })).toBe(true);
  });
});

describe("the evidence in its page", () => {
  it("cuts the page around the passage and the quote, in code points", () => {
    const text = "𠮷 intro. The passage starts. The quoted sentence. It ends. Outro.";
    const cps = Array.from(text);
    const at = (s: string) => Array.from(text.slice(0, text.indexOf(s))).length;
    const p = { passageStart: at("The passage"), passageEnd: at(" Outro"), start: at("The quoted"), end: at(" It ends") };
    expect(cps.length).toBeGreaterThan(0);
    expect(evidenceParts(text, p)).toEqual(["𠮷 intro. ", "The passage starts. ", "The quoted sentence.", " It ends.", " Outro."]);
  });
  it("marks the quote alone when no passage is known", () => {
    expect(evidenceParts("abc def", { start: 4, end: 7, passageStart: 0, passageEnd: 0 })).toEqual(["abc ", "", "def", "", ""]);
  });
});

describe("answerEnd", () => {
  it("shows a stopped answer as stopped, not as an error", () => {
    expect(answerEnd({ complete: false, error: "The answer was stopped.", errorCode: "canceled" })).toBe("stopped");
    expect(answerEnd({ complete: false, error: "", errorCode: "" })).toBe("stopped");
    expect(answerEnd({ complete: false, error: "Ollama is not reachable", errorCode: "unreachable" })).toBe("failed");
    expect(answerEnd({ complete: true, error: "", errorCode: "" })).toBe("complete");
  });

  it("shows an answer given from the documents, with no model, as such and not as a failure", () => {
    expect(answerEnd({ complete: true, error: "Ollama is not reachable", errorCode: "unreachable", fromDocuments: true })).toBe("fromDocuments");
  });
});

describe("suggestedQuestions", () => {
  const d = (name: string, title: string, indexedAt: number, status = "indexed"): Document => ({ ...doc(`/d/${name}`, title), status, indexedAt } as Document);
  afterEach(() => setLanguage("en"));
  it("asks about the collection's own documents, in the UI's language, newest first", () => {
    const docs = [d("notes_old.md", "", 1), d("survey_2024.pdf", "2024年 生成AI利用調査", 3), d("report.docx", "오픈소스 AI 보고서", 2)];
    expect(suggestedQuestions(docs)).toEqual([
      "What are the main points of “2024年 生成AI利用調査”?",
      "What figures does “오픈소스 AI 보고서” report?",
      "What risks or open questions does “notes old” mention?",
    ]);
    setLanguage("ja");
    expect(suggestedQuestions(docs)[0]).toBe("「2024年 生成AI利用調査」の要点は何ですか");
  });
  it("names a document without a title by its heading, never by a code", () => {
    const docs = [d("000_0eff4470da887f30.txt", "", 2), d("001_1473911884bdf481.txt", "", 1)];
    expect(suggestedQuestions(docs)).toEqual([]);
    const headings = new Map([["/d/000_0eff4470da887f30.txt", "\n\n生成AIの未来を 形作る\n\nオープンソース"]]);
    expect(suggestedQuestions(docs, headings)).toEqual(["What are the main points of “生成AIの未来を 形作る”?"]);
  });
  it("names a document seen through two files once, and skips what cannot be searched", () => {
    const docs = [d("a.pdf", "Annual Report", 3), d("a.txt", "annual report", 2), d("b.pdf", "Broken", 1, "failed")];
    expect(suggestedQuestions(docs)).toEqual(["What are the main points of “Annual Report”?"]);
  });
});

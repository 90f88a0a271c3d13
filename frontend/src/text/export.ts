// A conversation as Markdown, with its citations: each answer keeps its
// [n] markers and is followed by the list of its sources (file, page and
// the quoted sentence), so the export stands on its own.

import type { Conversation, Message, Passage, SentenceCheck } from "../api/types";

export interface ExportLabels {
  question: string;
  answer: string;
  sources: string;
  within: string;
  /** Where a source is ("p. 3", "pp. 11–12", "§ 2"); "" when it has no pages. */
  page: (s: Passage) => string;
  incomplete: string;
  exported: string;
  /** "4 of 5 sentences found in the sources". */
  checked?: (supported: number, judged: number) => string;
  /** A sentence the sources do not (fully) support, with why. */
  unsupported?: (s: SentenceCheck) => string;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** The conversation as Markdown; `when` is the export's date as shown. */
export function conversationMarkdown(conv: Pick<Conversation, "title" | "collection">, messages: Message[], labels: ExportLabels, when: string): string {
  const out: string[] = [`# ${oneLine(conv.title) || "Kura"}`, "", `${conv.collection} · ${labels.exported} ${when}`, ""];
  for (const m of messages) {
    if (m.role === "user") {
      out.push(`## ${labels.question}`, "", m.text.trim(), "");
      if (m.sources.length > 0) out.push(`*${labels.within}: ${m.sources.map((s) => s.name || s.path).join(", ")}*`, "");
      continue;
    }
    out.push(`### ${labels.answer}`, "", m.text.trim() || "…", "");
    if (!m.complete) out.push(`*${labels.incomplete}*`, "");
    if (m.check && m.check.judged > 0 && labels.checked) {
      out.push(`*${labels.checked(m.check.supported, m.check.judged)}*`, "");
      for (const s of m.check.sentences) {
        if (s.verdict === "partly" || s.verdict === "unsupported") out.push(`- ⚠ “${oneLine(s.text)}” — ${labels.unsupported ? labels.unsupported(s) : s.verdict}`);
      }
      out.push("");
    }
    const cited = m.sources.filter((s) => s.cited);
    const list = cited.length > 0 ? cited : m.sources;
    if (list.length > 0) {
      out.push(`**${labels.sources}**`, "");
      for (const s of list) {
        const where = [s.name || s.path, s.page > 0 ? labels.page(s) : ""].filter(Boolean).join(", ");
        out.push(`- [${s.n}] ${where}: “${oneLine(s.text)}”`, `  <${s.path}>`);
      }
      out.push("");
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

/** A file name for the export: the title's letters and digits, else "conversation". */
export function exportFileName(title: string): string {
  const base = title
    .normalize("NFKC")
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 60)
    .trim();
  return `${base || "conversation"}.md`;
}

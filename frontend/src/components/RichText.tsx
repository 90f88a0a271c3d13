// An answer's text: Markdown blocks, with each citation [n] as a chip that
// opens its source. Built as elements, never as HTML. With the answer's
// check, each judged sentence is a span: partly and unsupported ones are
// underlined (dotted) with a tooltip naming the closest quote, and a click on
// any opens the quote that supports it best.

import type { ComponentChildren } from "preact";
import type { AnswerCheck, Passage, SentenceCheck } from "../api";
import { parseCitations } from "../text/citations";
import { parseBlocks, parseInline, type Inline } from "../text/markdown";
import { t } from "../i18n";
import { pageLabel } from "../format/pages";

interface Props {
  text: string;
  sources: Passage[];
  /** While streaming, sources are not known yet: chips show but do nothing. */
  pending?: boolean;
  onCite?: (p: Passage) => void;
  /** The answer's sentences judged against its quotes (saved answers). */
  check?: AnswerCheck | null;
}

/** The words a judged sentence is written with, as the Markdown renders them: its text between citations and emphasis. */
export function claimFragments(check: AnswerCheck | null | undefined): { text: string; sentence: SentenceCheck }[] {
  const out: { text: string; sentence: SentenceCheck }[] = [];
  for (const sentence of check?.sentences ?? []) {
    if (!sentence.verdict) continue;
    for (const seg of parseCitations(sentence.text)) {
      if (seg.kind !== "text") continue;
      for (const part of seg.text.split(/\*\*|__|`|\*/)) {
        const text = part.replace(/^[\s\-•]+|\s+$/g, "");
        if ([...text].length >= 4) out.push({ text, sentence });
      }
    }
  }
  return out;
}

/** Tooltip of a judged sentence, naming the quote to look at. */
export function claimTitle(s: SentenceCheck): string {
  const q = (n: number) => `[${n}]`;
  const closest = s.suggest || s.quotes[0] || 0;
  const parts: string[] = [];
  if (s.verdict === "supported") parts.push(t("check.supported", { quotes: s.quotes.map(q).join(" ") }));
  else if (s.verdict === "partly") parts.push(closest ? t("check.partly", { quote: q(closest) }) : t("check.unsupportedNone"));
  else parts.push(closest ? t("check.unsupported", { quote: q(closest) }) : t("check.unsupportedNone"));
  if (s.numbersMissing.length > 0) parts.push(t("check.numbers", { numbers: s.numbersMissing.join(", ") }));
  if (s.missingQuotes.length > 0) parts.push(t("check.missingQuote", { quotes: s.missingQuotes.map(q).join(" ") }));
  if (s.suggest) parts.push(t("check.suggest", { quote: q(s.suggest) }));
  return parts.join(" · ");
}

export function RichText({ text, sources, pending, onCite, check }: Props) {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const valid = pending || sources.length === 0 ? undefined : (n: number) => byN.has(n);
  const claims = claimFragments(check);

  // A run of plain text with the judged sentences in it marked.
  const marked = (s: string, key: string): ComponentChildren[] => {
    const out: ComponentChildren[] = [];
    let rest = s;
    let k = 0;
    while (rest) {
      let at = -1;
      let hit: (typeof claims)[number] | undefined;
      for (const c of claims) {
        const i = rest.indexOf(c.text);
        if (i >= 0 && (at < 0 || i < at)) [at, hit] = [i, c];
      }
      if (!hit) {
        out.push(rest);
        break;
      }
      if (at > 0) out.push(rest.slice(0, at));
      const sent = hit.sentence;
      const target = byN.get(sent.suggest || sent.quotes[0] || 0);
      out.push(
        <span
          key={`${key}c${k++}`}
          class={`claim ${sent.verdict}`}
          data-testid="claim"
          data-verdict={sent.verdict}
          title={claimTitle(sent) + (target && onCite ? ` · ${t("check.open")}` : "")}
          onClick={target && onCite ? () => onCite(target) : undefined}
        >
          {hit.text}
        </span>,
      );
      rest = rest.slice(at + hit.text.length);
    }
    return out;
  };

  const cites = (s: string, key: string): ComponentChildren[] =>
    parseCitations(s, valid).map((seg, i) =>
      seg.kind === "text" ? (
        claims.length > 0 ? marked(seg.text, `${key}-${i}`) : seg.text
      ) : (
        <span class="cite-group" key={`${key}-${i}`}>
          {seg.numbers.map((n) => {
            const p = byN.get(n);
            return (
              <button
                key={n}
                type="button"
                class="cite"
                data-testid="citation"
                data-n={n}
                disabled={!p || !onCite}
                title={p ? `${p.name}${p.page ? ` · ${pageLabel(p)}` : ""}` : undefined}
                aria-label={t("chat.citation", { n })}
                onClick={() => p && onCite?.(p)}
              >
                {n}
              </button>
            );
          })}
        </span>
      ),
    );

  const inline = (nodes: Inline[], key: string): ComponentChildren[] =>
    nodes.map((n, i) => {
      const k = `${key}.${i}`;
      switch (n.kind) {
        case "text":
          return cites(n.text, k);
        case "code":
          return <code key={k}>{n.text}</code>;
        case "strong":
          return <strong key={k}>{inline(n.children, k)}</strong>;
        case "em":
          return <em key={k}>{inline(n.children, k)}</em>;
      }
    });

  const lines = (s: string, key: string): ComponentChildren[] =>
    s.split("\n").flatMap((line, i) => (i === 0 ? [inline(parseInline(line), `${key}l${i}`)] : [<br key={`${key}br${i}`} />, inline(parseInline(line), `${key}l${i}`)]));

  return (
    <div class="rich">
      {parseBlocks(text).map((b, i) => {
        const k = `b${i}`;
        switch (b.kind) {
          case "p":
            return <p key={k}>{lines(b.text, k)}</p>;
          case "h": {
            const H = (b.level <= 2 ? "h3" : "h4") as "h3";
            return <H key={k}>{inline(parseInline(b.text), k)}</H>;
          }
          case "ul":
            return (
              <ul key={k}>
                {b.items.map((it, j) => (
                  <li key={j}>{lines(it, `${k}-${j}`)}</li>
                ))}
              </ul>
            );
          case "ol":
            return (
              <ol key={k} start={b.start}>
                {b.items.map((it, j) => (
                  <li key={j}>{lines(it, `${k}-${j}`)}</li>
                ))}
              </ol>
            );
          case "quote":
            return <blockquote key={k}>{lines(b.text, k)}</blockquote>;
          case "pre":
            return (
              <pre key={k}>
                <code>{b.text}</code>
              </pre>
            );
        }
      })}
    </div>
  );
}

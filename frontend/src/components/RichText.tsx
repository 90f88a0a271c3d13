// An answer's text: Markdown blocks, with each citation [n] as a chip that
// opens its source. Built as elements, never as HTML.

import type { ComponentChildren } from "preact";
import type { Passage } from "../api";
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
}

export function RichText({ text, sources, pending, onCite }: Props) {
  const byN = new Map(sources.map((s) => [s.n, s]));
  const valid = pending || sources.length === 0 ? undefined : (n: number) => byN.has(n);

  const cites = (s: string, key: string): ComponentChildren[] =>
    parseCitations(s, valid).map((seg, i) =>
      seg.kind === "text" ? (
        seg.text
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

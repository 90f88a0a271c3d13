// A small Markdown reader for answers: paragraphs, headings, lists, block
// quotes, fenced code, and inline bold, italic and code. It builds a tree
// that components render as elements (never as HTML), so model output cannot
// inject markup.

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "code"; text: string };

export type Block =
  | { kind: "p"; text: string }
  | { kind: "h"; level: number; text: string }
  | { kind: "ul" | "ol"; items: string[]; start: number }
  | { kind: "quote"; text: string }
  | { kind: "pre"; text: string };

/** Splits Markdown into blocks; an unclosed code fence (while streaming) runs to the end. */
export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ kind: "p", text: para.join("\n") });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) body.push(lines[i]);
      blocks.push({ kind: "pre", text: body.join("\n") });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      blocks.push({ kind: "h", level: h[1].length, text: h[2].trim() });
      continue;
    }
    const li = /^\s*([-*+・]|\d+[.)])\s+(.*)$/.exec(line);
    if (li) {
      flush();
      const ordered = /\d/.test(li[1]);
      const kind = ordered ? "ol" : "ul";
      const prev = blocks[blocks.length - 1];
      if (prev && prev.kind === kind && lines[i - 1]?.trim() !== "") prev.items.push(li[2]);
      else blocks.push({ kind, items: [li[2]], start: ordered ? parseInt(li[1], 10) || 1 : 1 });
      continue;
    }
    const q = /^\s*>\s?(.*)$/.exec(line);
    if (q) {
      flush();
      const prev = blocks[blocks.length - 1];
      if (prev && prev.kind === "quote") prev.text += "\n" + q[1];
      else blocks.push({ kind: "quote", text: q[1] });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    // A continuation line of a list item.
    const prev = blocks[blocks.length - 1];
    if (para.length === 0 && prev && (prev.kind === "ul" || prev.kind === "ol") && /^\s{2,}\S/.test(line) && lines[i - 1]?.trim() !== "") {
      prev.items[prev.items.length - 1] += "\n" + line.trim();
      continue;
    }
    para.push(line);
  }
  flush();
  return blocks;
}

/** Parses inline emphasis and code spans. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /`([^`\n]+)`|\*\*([^*\n][^\n]*?)\*\*|__([^_\n][^\n]*?)__|(?<![*\w])\*([^*\s][^*\n]*?)\*(?![*\w])/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    if (m[1] !== undefined) out.push({ kind: "code", text: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ kind: "strong", children: parseInline(m[2] ?? m[3]) });
    else out.push({ kind: "em", children: parseInline(m[4]) });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

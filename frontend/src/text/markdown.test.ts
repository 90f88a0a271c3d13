import { describe, expect, it } from "vitest";
import { parseBlocks, parseInline } from "./markdown";

describe("parseBlocks", () => {
  it("splits paragraphs, lists and headings", () => {
    expect(parseBlocks("# Title\n\nFirst line\nsecond\n\n- a [1]\n- b\n\n1. one\n2. two")).toEqual([
      { kind: "h", level: 1, text: "Title" },
      { kind: "p", text: "First line\nsecond" },
      { kind: "ul", items: ["a [1]", "b"], start: 1 },
      { kind: "ol", items: ["one", "two"], start: 1 },
    ]);
  });

  it("runs an unclosed code fence to the end (a streaming answer)", () => {
    expect(parseBlocks("x\n```\ncode")).toEqual([
      { kind: "p", text: "x" },
      { kind: "pre", text: "code" },
    ]);
  });
});

describe("parseInline", () => {
  it("reads bold, italic and code", () => {
    expect(parseInline("a **b** *c* `d`")).toEqual([
      { kind: "text", text: "a " },
      { kind: "strong", children: [{ kind: "text", text: "b" }] },
      { kind: "text", text: " " },
      { kind: "em", children: [{ kind: "text", text: "c" }] },
      { kind: "text", text: " " },
      { kind: "code", text: "d" },
    ]);
  });

  it("leaves a lone asterisk alone", () => {
    expect(parseInline("2 * 3 = 6")).toEqual([{ kind: "text", text: "2 * 3 = 6" }]);
  });
});

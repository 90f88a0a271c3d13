import { describe, expect, it } from "vitest";
import { codePointToUtf16, splitHighlight, utf16ToCodePoint } from "./offsets";

describe("codePointToUtf16", () => {
  const cases: { name: string; text: string; cp: number; want: number }[] = [
    { name: "ASCII maps one to one", text: "hello", cp: 3, want: 3 },
    { name: "BMP kanji and hangul are one unit each", text: "誤差範囲와", cp: 4, want: 4 },
    { name: "an astral kanji counts as one code point but two units", text: "𠮷田さん", cp: 1, want: 2 },
    { name: "offsets after an emoji shift by one", text: "a😀b", cp: 2, want: 3 },
    { name: "two astral characters shift by two", text: "𠮷𠮷x", cp: 2, want: 4 },
    { name: "zero stays zero", text: "𠮷", cp: 0, want: 0 },
    { name: "past the end clamps to the length", text: "ab😀", cp: 10, want: 4 },
    { name: "negative clamps to zero", text: "abc", cp: -2, want: 0 },
    { name: "a lone high surrogate counts as one code point", text: "a\ud842b", cp: 2, want: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(codePointToUtf16(c.text, c.cp)).toBe(c.want);
    });
  }

  it("round-trips with utf16ToCodePoint at every code point boundary", () => {
    const text = "本調査は、𠮷田ほか😀（2024）の枠組み";
    const cps = Array.from(text).length;
    for (let cp = 0; cp <= cps; cp++) expect(utf16ToCodePoint(text, codePointToUtf16(text, cp))).toBe(cp);
  });
});

describe("splitHighlight", () => {
  it("highlights the cited passage after an astral character exactly", () => {
    const text = "𠮷田ほか。回答者数は316人であった。以上";
    // Code points: 𠮷=0 田=1 ほ=2 か=3 。=4 回=5 ...
    const start = 5;
    const end = start + Array.from("回答者数は316人であった。").length;
    expect(splitHighlight(text, start, end)).toEqual(["𠮷田ほか。", "回答者数は316人であった。", "以上"]);
  });

  it("gives no highlight for an empty or inverted range", () => {
    expect(splitHighlight("abc", 2, 2)).toEqual(["abc", "", ""]);
    expect(splitHighlight("abc", 2, 1)).toEqual(["abc", "", ""]);
  });

  it("clamps a range running past the end", () => {
    expect(splitHighlight("ab😀", 1, 99)).toEqual(["a", "b😀", ""]);
  });
});

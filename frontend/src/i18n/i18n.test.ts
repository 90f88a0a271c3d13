import { describe, expect, it } from "vitest";
import { en } from "./en";
import { createTranslator, resolveLocale } from "./index";
import { ja } from "./ja";
import { ko } from "./ko";

describe("resolveLocale", () => {
  it("uses an explicit preference", () => {
    expect(resolveLocale("ko", ["ja-JP"])).toBe("ko");
  });
  it("follows the system when the preference is empty", () => {
    expect(resolveLocale("", ["ja-JP", "en-US"])).toBe("ja");
    expect(resolveLocale("", ["ko-KR"])).toBe("ko");
  });
  it("skips unsupported system languages", () => {
    expect(resolveLocale("", ["fr-FR", "ko"])).toBe("ko");
  });
  it("falls back to English", () => {
    expect(resolveLocale("", ["de-DE"])).toBe("en");
    expect(resolveLocale("xx", [])).toBe("en");
  });
});

describe("createTranslator", () => {
  const dicts = {
    en: { "a.b": "Hello {name}", "only.en": "English only", "n.files": "{count} files", "n.files_one": "{count} file" },
    ja: { "a.b": "こんにちは、{name}さん", "n.files": "{count} 件のファイル" },
  } as never;

  it("translates and fills placeholders", () => {
    expect(createTranslator(dicts, "ja")("a.b" as never, { name: "Mina" })).toBe("こんにちは、Minaさん");
  });
  it("falls back to English for a key the language lacks", () => {
    expect(createTranslator(dicts, "ja")("only.en" as never)).toBe("English only");
  });
  it("falls back to the key itself when nobody has it", () => {
    expect(createTranslator(dicts, "ja")("no.such" as never)).toBe("no.such");
  });
  it("falls back to English for a language without a dictionary", () => {
    expect(createTranslator(dicts, "ko")("a.b" as never, { name: "Jun" })).toBe("Hello Jun");
  });
  it("uses the English singular form for one, and no singular in Japanese", () => {
    const tEn = createTranslator(dicts, "en");
    expect(tEn("n.files" as never, { count: 1 })).toBe("1 file");
    expect(tEn("n.files" as never, { count: 1200 })).toBe("1,200 files");
    expect(createTranslator(dicts, "ja")("n.files" as never, { count: 1 })).toBe("1 件のファイル");
  });
  it("leaves an unknown placeholder visible", () => {
    expect(createTranslator(dicts, "en")("a.b" as never, {})).toBe("Hello {name}");
  });
});

describe("dictionaries", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const baseKeys = Object.keys(en).filter((k) => !k.endsWith("_one"));

  for (const [name, dict] of [["ja", ja], ["ko", ko]] as const) {
    it(`${name} translates every key, with the same placeholders`, () => {
      const d = dict as Record<string, string>;
      for (const k of baseKeys) {
        expect(d[k], `${name} lacks ${k}`).toBeTruthy();
        expect(placeholders(d[k]), `${name} ${k}`).toEqual(placeholders((en as Record<string, string>)[k]));
      }
      expect(Object.keys(d).filter((k) => !(k in en))).toEqual([]);
    });
  }

  it("has English singular forms only for keys that exist", () => {
    for (const k of Object.keys(en).filter((k) => k.endsWith("_one"))) expect(k.slice(0, -4) in en).toBe(true);
  });
});

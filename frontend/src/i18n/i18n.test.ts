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

// What the window shows is worded for the window: it names its buttons,
// never a command of the CLI, and in Japanese and Korean it is in
// Japanese and Korean, errors included.
describe("the words of the window", () => {
  const dicts = { en, ja, ko } as Record<string, Record<string, string>>;
  const command = /\bkura\s+(?:serve|models|ingest|ask|search|chat|reindex|rm|docs|collections|runtime|bench|pull|import)\b|`|--[a-z]/i;

  for (const [name, dict] of Object.entries(dicts)) {
    it(`${name} names no CLI command`, () => {
      for (const [k, v] of Object.entries(dict)) expect(v, `${name} ${k}`).not.toMatch(command);
    });
  }

  it("no view or store writes a CLI command in its own words", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const root = fileURLToPath(new URL("..", import.meta.url));
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !p.includes(`${join("api", "mock.ts")}`)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const code = readFileSync(f, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      for (const m of code.matchAll(/"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`/g)) {
        const lit = m[1] ?? m[2] ?? m[3] ?? "";
        expect(lit, f).not.toMatch(/\bkura\s+(?:serve|models|ingest|ask|search|chat|reindex|pull|import)\b/i);
      }
    }
  });

  // Texts that are the same in every language: the product's name and a path.
  const SAME = new Set(["app.name", "start.folderPlaceholder", "packs.destinationPlaceholder", "packs.filePlaceholder"]);
  const script = { ja: /[\u3040-\u30ff\u3400-\u9fff]/, ko: /[\uac00-\ud7af]/ };
  for (const name of ["ja", "ko"] as const) {
    it(`${name} is written in ${name === "ja" ? "Japanese" : "Korean"}, errors and all`, () => {
      const d = dicts[name];
      // Texts without words of their own ("{done} / {total}") need no translation.
      const words = (k: string) => /\p{L}/u.test((en as Record<string, string>)[k].replace(/\{\w+\}/g, ""));
      for (const k of Object.keys(en).filter((k) => !k.endsWith("_one") && !SAME.has(k) && words(k))) {
        expect(d[k], `${name} ${k} is English`).not.toBe((en as Record<string, string>)[k]);
        expect(d[k], `${name} ${k}`).toMatch(script[name]);
      }
    });
  }

  it("has words for every error code and every kind of unreadable file the backend documents", async () => {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/API.md", import.meta.url)), "utf8");
    const section = doc.slice(doc.indexOf("### Error codes"));
    const codes = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(10);
    const kinds = ["encrypted", "no_text", "too_large", "corrupt", "unsupported", "permission", "missing", "timeout"];
    for (const k of kinds) expect(section, `docs/API.md names the kind ${k}`).toContain(`\`${k}\``);
    for (const [name, dict] of Object.entries(dicts)) {
      for (const c of codes) {
        const has = Object.keys(dict).some((k) => k === `error.${c}` || k.startsWith(`error.${c}.`));
        expect(has, `${name} has no words for the error code ${c}`).toBe(true);
      }
      for (const k of kinds) expect(dict[`file.${k}`], `${name} file.${k}`).toBeTruthy();
    }
  });
});

describe("one word for a passage", () => {
  // The unit search returns and answers quote is a passage: one word per
  // language, never also "chunk" (チャンク, 청크) or a loanword beside it.
  const others: [string, Record<string, string>, RegExp][] = [
    ["en", en as Record<string, string>, /\bchunks?\b/i],
    ["ja", ja as Record<string, string>, /チャンク|パッセージ/],
    ["ko", ko as Record<string, string>, /청크|패시지/],
  ];
  for (const [name, dict, other] of others) {
    it(`${name} says passage with one word`, () => {
      const found = Object.entries(dict).filter(([, v]) => other.test(v.replace(/\{\w+\}/g, "")));
      expect(found).toEqual([]);
    });
  }
  it("no hint tells the user to re-index for vectors that come by themselves", () => {
    expect(en["docs.hint.lexical"]).not.toMatch(/re-index/i);
  });
});

// Translation: English, Japanese and Korean. The language follows the
// system (navigator.languages) unless Settings.language names one. t() reads
// a signal, so components re-render when the language changes.

import { signal } from "@preact/signals";
import { en, type Key } from "./en";
import { ja } from "./ja";
import { ko } from "./ko";
import type { Dictionary } from "./types";

export type Locale = "en" | "ja" | "ko";
export const LOCALES: readonly Locale[] = ["en", "ja", "ko"];
/** Each language's name in itself, for the language menu. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", ja: "日本語", ko: "한국어" };
export type Params = Record<string, string | number>;
export type { Key };

const DICTS: Record<Locale, Dictionary> = { en, ja, ko };

/**
 * The locale to use: `preference` when it names a supported language
 * ("ja", "ja-JP"), else the first supported of the system's languages, else
 * English.
 */
export function resolveLocale(preference: string, systemLanguages: readonly string[]): Locale {
  for (const tag of [preference, ...systemLanguages]) {
    const base = (tag || "").toLowerCase().split(/[-_]/)[0];
    if ((LOCALES as readonly string[]).includes(base)) return base as Locale;
  }
  return "en";
}

/**
 * A translate function over `dicts`: the locale's text, else English, else
 * the key itself. With a numeric `count` parameter it prefers the plural
 * form `key_one` where the language has one. {name} placeholders are filled
 * from params (numbers formatted for the locale).
 */
export function createTranslator(dicts: Partial<Record<Locale, Dictionary>>, locale: Locale) {
  const plural = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  const lookup = (key: string): string | undefined =>
    (dicts[locale] as Record<string, string> | undefined)?.[key] ?? (dicts.en as Record<string, string> | undefined)?.[key];
  return (key: Key, params?: Params): string => {
    let text: string | undefined;
    if (params && typeof params.count === "number" && plural.select(params.count) === "one") {
      text = (dicts[locale] as Record<string, string> | undefined)?.[`${key}_one`];
      if (text === undefined && locale === "en") text = lookup(`${key}_one`);
    }
    text ??= lookup(key) ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = params[name];
      if (v === undefined) return m;
      return typeof v === "number" ? numbers.format(v) : v;
    });
  };
}

/** The language the UI shows now. */
export const locale = signal<Locale>("en");
let current = { locale: "en" as Locale, t: createTranslator(DICTS, "en") };

/** Sets the UI language from a Settings.language value ("" = system). */
export function setLanguage(preference: string): Locale {
  const langs = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  const l = resolveLocale(preference, langs);
  if (typeof document !== "undefined") document.documentElement.lang = l;
  locale.value = l;
  return l;
}

/** The system's language as Kura would pick it, for "System (日本語)". */
export function systemLocale(): Locale {
  return resolveLocale("", typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : []);
}

/** Translates `key` into the current language. */
export function t(key: Key, params?: Params): string {
  const l = locale.value; // subscribes the calling component
  if (current.locale !== l) current = { locale: l, t: createTranslator(DICTS, l) };
  return current.t(key, params);
}

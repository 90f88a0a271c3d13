// Errors in the user's language. The backend sends a code and the
// parameters its words need (docs/API.md, "Error codes"); here they become
// a sentence that says what happened and what to do, naming the window's
// buttons. The backend's English message is only the last resort, for a
// code this page does not know.

import { ApiError } from "../api/transport";
import { en, type Key } from "./en";
import { t } from "./index";

const has = (key: string): key is Key => key in en;

/** Parameters with their values translated where they name a setting or a role. */
function wordParams(params: Record<string, string>): Record<string, string> {
  const out = { ...params };
  if (params.field && has(`settings.field.${params.field}`)) out.field = t(`settings.field.${params.field}` as Key);
  return out;
}

/**
 * The words for an error code with its parameters: the most specific key
 * of error.<code>.<what|role> and error.<code>, else `fallback` (the
 * backend's English message), else the generic words.
 */
export function describeError(code: string, params: Record<string, string> = {}, fallback = ""): string {
  if (!code) return fallback;
  const p = wordParams(params);
  // Words whose parameters did not all come give way to the backend's.
  const filled = (s: string) => (fallback && /\{\w+\}/.test(s) ? fallback : s);
  for (const sub of [params.what, params.role]) {
    const key = `error.${code}.${sub}`;
    if (sub && has(key)) return filled(t(key as Key, p));
  }
  if (code === "internal" || code === "invalid") return t(`error.${code}` as Key, { detail: params.detail || fallback || code });
  if (has(`error.${code}`)) return filled(t(`error.${code}` as Key, p));
  return fallback || t("error.internal", { detail: code });
}

/** The words for anything an API call threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return describeError(err.code, err.params, err.message);
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The words for a file that could not be read: its kind's remedy, else the reason as stored. */
export function failureText(kind: string, reason: string): string {
  const key = `file.${kind}`;
  return kind && has(key) ? t(key as Key) : reason;
}

/**
 * The words for why pdf.js could not show a page, in the user's language:
 * pdf.js's own messages are English and name its internals. An API error
 * (the file could not be fetched) keeps its own words.
 */
export function pdfErrorText(err: unknown): string {
  if (err instanceof ApiError) return errorMessage(err);
  const name = (err as { name?: string } | null)?.name ?? "";
  if (name === "PasswordException") return t("source.pdf.password");
  if (name === "InvalidPDFException" || name === "FormatError") return t("source.pdf.invalid");
  if (name === "ResponseException") return t("source.pdf.missing");
  return t("source.pdf.other");
}

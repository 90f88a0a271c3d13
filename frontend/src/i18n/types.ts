import type { Key } from "./en";

/** Keys every language must translate; the English-only _one forms are optional. */
type SingularKey = Extract<Key, `${string}_one`>;
export type Translations = Record<Exclude<Key, SingularKey>, string> & Partial<Record<SingularKey, string>>;
export type Dictionary = Partial<Record<Key, string>>;
export type { Key };

// The source panel: one cited passage shown on its page, with the words of
// the question that found it, and the other files holding the same text.
// The reader may turn to other pages of the document; the passage stays
// marked on its own page.

import { signal } from "@preact/signals";
import type { Api, Passage, Source } from "../api";

export interface OpenSource {
  collection: string;
  passage: Passage;
  /** The question or search whose words are marked too ("" for none). */
  query: string;
  /** Other files with the same passage. */
  also: Passage[];
  /** The page shown (the passage's unless the reader turned pages). */
  page: number;
  source: Source | null;
  loading: boolean;
  /** Why the page could not be loaded (the error itself, worded by the view). */
  error: unknown;
}

export function createSourceStore(api: Api) {
  const open = signal<OpenSource | null>(null);
  let seq = 0;

  async function load(next: Omit<OpenSource, "source" | "loading" | "error">) {
    const mine = ++seq;
    const cur = open.value?.source;
    const same = cur && cur.path === next.passage.path && cur.page === next.page;
    open.value = { ...next, source: same ? cur : null, loading: !same, error: null };
    if (same) return;
    try {
      const source = await api.Source(next.collection, next.passage.path, next.page);
      if (mine === seq) open.value = { ...next, source, loading: false, error: null };
    } catch (err) {
      if (mine === seq) open.value = { ...next, source: null, loading: false, error: err };
    }
  }

  /** Opens a passage on its page; query's words are marked, also lists other files with the same text. */
  async function show(collection: string, passage: Passage, opts: { query?: string; also?: Passage[] } = {}) {
    await load({ collection, passage, query: opts.query ?? "", also: opts.also ?? [], page: passage.page });
  }

  /** Turns to another page of the same document (1..pages). */
  async function turn(page: number) {
    const o = open.value;
    if (!o || page < 1 || (o.source && o.source.pages > 0 && page > o.source.pages)) return;
    await load({ ...o, page });
  }

  function close() {
    seq++;
    open.value = null;
  }

  return { open, show, turn, close };
}

export type SourceStore = ReturnType<typeof createSourceStore>;

// The source panel: one cited passage shown on its page (or on both pages
// of a passage that runs across a page break), with the words of the
// question that found it, and the other files holding the same text. The
// reader may turn to other pages of the document; the passage stays marked
// on its own page.

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
  /** The page the passage ends on, when it is not the page it starts on. */
  sourceEnd: Source | null;
  loading: boolean;
  /** Why the page could not be loaded (the error itself, worded by the view). */
  error: unknown;
}

/** Whether a passage runs onto a later page. */
export function spansPages(p: Passage): boolean {
  return p.page > 0 && p.endPage > p.page;
}

export function createSourceStore(api: Api) {
  const open = signal<OpenSource | null>(null);
  let seq = 0;

  async function load(next: Omit<OpenSource, "source" | "sourceEnd" | "loading" | "error">) {
    const mine = ++seq;
    const prev = open.value;
    // A passage that runs across a page break shows both of its pages, as
    // long as the reader has not turned to another.
    const end = next.page === next.passage.page && spansPages(next.passage) ? next.passage.endPage : 0;
    const same =
      prev?.source && prev.source.path === next.passage.path && prev.source.page === next.page && (prev.sourceEnd?.page ?? 0) === end;
    open.value = { ...next, source: same ? prev!.source : null, sourceEnd: same ? prev!.sourceEnd : null, loading: !same, error: null };
    if (same) return;
    try {
      const [source, sourceEnd] = await Promise.all([
        api.Source(next.collection, next.passage.path, next.page),
        end ? api.Source(next.collection, next.passage.path, end) : Promise.resolve(null),
      ]);
      if (mine === seq) open.value = { ...next, source, sourceEnd, loading: false, error: null };
    } catch (err) {
      if (mine === seq) open.value = { ...next, source: null, sourceEnd: null, loading: false, error: err };
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

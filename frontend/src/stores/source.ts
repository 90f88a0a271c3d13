// The source panel: one cited passage shown on its page, or on both pages
// of a passage that runs across a page break.

import { signal } from "@preact/signals";
import { errorMessage, type Api, type Passage, type Source } from "../api";

export interface OpenSource {
  collection: string;
  passage: Passage;
  source: Source | null;
  /** The page the passage ends on, when it is not the page it starts on. */
  sourceEnd: Source | null;
  loading: boolean;
  error: string;
}

/** Whether a passage runs onto a later page. */
export function spansPages(p: Passage): boolean {
  return p.page > 0 && p.endPage > p.page;
}

export function createSourceStore(api: Api) {
  const open = signal<OpenSource | null>(null);
  let seq = 0;

  async function show(collection: string, passage: Passage) {
    const mine = ++seq;
    const prev = open.value;
    const end = spansPages(passage) ? passage.endPage : 0;
    const same =
      prev?.source && prev.source.path === passage.path && prev.source.page === passage.page && (prev.sourceEnd?.page ?? 0) === end;
    open.value = { collection, passage, source: same ? prev!.source : null, sourceEnd: same ? prev!.sourceEnd : null, loading: !same, error: "" };
    if (same) return;
    try {
      const [source, sourceEnd] = await Promise.all([
        api.Source(collection, passage.path, passage.page),
        end ? api.Source(collection, passage.path, end) : Promise.resolve(null),
      ]);
      if (mine === seq) open.value = { collection, passage, source, sourceEnd, loading: false, error: "" };
    } catch (err) {
      if (mine === seq) open.value = { collection, passage, source: null, sourceEnd: null, loading: false, error: errorMessage(err) };
    }
  }

  function close() {
    seq++;
    open.value = null;
  }

  return { open, show, close };
}

export type SourceStore = ReturnType<typeof createSourceStore>;

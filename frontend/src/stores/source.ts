// The source panel: one cited passage shown on its page.

import { signal } from "@preact/signals";
import { errorMessage, type Api, type Passage, type Source } from "../api";

export interface OpenSource {
  collection: string;
  passage: Passage;
  source: Source | null;
  loading: boolean;
  error: string;
}

export function createSourceStore(api: Api) {
  const open = signal<OpenSource | null>(null);
  let seq = 0;

  async function show(collection: string, passage: Passage) {
    const mine = ++seq;
    const same = open.value?.source && open.value.source.path === passage.path && open.value.source.page === passage.page;
    open.value = { collection, passage, source: same ? open.value!.source : null, loading: !same, error: "" };
    if (same) return;
    try {
      const source = await api.Source(collection, passage.path, passage.page);
      if (mine === seq) open.value = { collection, passage, source, loading: false, error: "" };
    } catch (err) {
      if (mine === seq) open.value = { collection, passage, source: null, loading: false, error: errorMessage(err) };
    }
  }

  function close() {
    seq++;
    open.value = null;
  }

  return { open, show, close };
}

export type SourceStore = ReturnType<typeof createSourceStore>;

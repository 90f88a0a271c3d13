// The search box: the latest query's passages. Answers to older queries that
// arrive late are dropped.

import { signal } from "@preact/signals";
import { type Api, type SearchResult } from "../api";

export const SEARCH_K = 12;

export function createSearchStore(api: Api) {
  const query = signal("");
  const result = signal<SearchResult | null>(null);
  const loading = signal(false);
  /** The last search's error (worded by the view, in the language of the moment); null for none. */
  const error = signal<unknown>(null);
  let seq = 0;

  async function run(collection: string, q: string) {
    query.value = q;
    const mine = ++seq;
    if (!q.trim()) {
      result.value = null;
      loading.value = false;
      error.value = null;
      return;
    }
    loading.value = true;
    try {
      const r = await api.Search(collection, q.trim(), SEARCH_K);
      if (mine !== seq) return;
      result.value = r;
      error.value = null;
    } catch (err) {
      if (mine !== seq) return;
      result.value = null;
      error.value = err;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function clear() {
    seq++;
    query.value = "";
    result.value = null;
    error.value = null;
    loading.value = false;
  }

  return { query, result, loading, error, run, clear };
}

export type SearchStore = ReturnType<typeof createSearchStore>;

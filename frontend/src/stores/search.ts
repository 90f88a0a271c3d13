// The search box: the latest query's passages. Answers to older queries that
// arrive late are dropped.

import { signal } from "@preact/signals";
import { errorMessage, type Api, type SearchResult } from "../api";

export const SEARCH_K = 12;

export function createSearchStore(api: Api) {
  const query = signal("");
  const result = signal<SearchResult | null>(null);
  const loading = signal(false);
  const error = signal("");
  let seq = 0;

  async function run(collection: string, q: string) {
    query.value = q;
    const mine = ++seq;
    if (!q.trim()) {
      result.value = null;
      loading.value = false;
      error.value = "";
      return;
    }
    loading.value = true;
    try {
      const r = await api.Search(collection, q.trim(), SEARCH_K);
      if (mine !== seq) return;
      result.value = r;
      error.value = "";
    } catch (err) {
      if (mine !== seq) return;
      result.value = null;
      error.value = errorMessage(err);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function clear() {
    seq++;
    query.value = "";
    result.value = null;
    error.value = "";
    loading.value = false;
  }

  return { query, result, loading, error, run, clear };
}

export type SearchStore = ReturnType<typeof createSearchStore>;

// Where each collection's vectors stand: computed after reading, by an
// ingest job or in the background while Kura runs (embed:progress). The
// Library shows it per collection, including "waiting while an answer is
// written".

import { signal } from "@preact/signals";
import type { Api, EmbedStatus } from "../api";

export function createEmbeddingStore(api: Api) {
  const byCollection = signal<ReadonlyMap<string, EmbedStatus>>(new Map());

  function apply(s: EmbedStatus) {
    const next = new Map(byCollection.value);
    next.set(s.collection, s);
    byCollection.value = next;
  }

  async function load() {
    const list = await api.EmbeddingStatus();
    const next = new Map(byCollection.value);
    for (const s of list) next.set(s.collection, s);
    byCollection.value = next;
  }

  function start() {
    const offs = [api.on("embed:progress", apply), api.onReconnect(() => void load().catch(() => {}))];
    return () => offs.forEach((f) => f());
  }

  return { byCollection, apply, load, start };
}

export type EmbeddingStore = ReturnType<typeof createEmbeddingStore>;

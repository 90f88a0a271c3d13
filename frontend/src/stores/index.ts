// The stores, built once from the API (one composition root) and handed to
// components through a context.

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "../api";
import { createChatStore } from "./chat";
import { createEmbeddingStore } from "./embedding";
import { createJobsStore } from "./jobs";
import { createLibraryStore } from "./library";
import { createModelsStore } from "./models";
import { createSearchStore } from "./search";
import { createSettingsStore } from "./settings";
import { createSourceStore } from "./source";
import { createStreamingStore } from "./streaming";
import { createUiStore } from "./ui";

export function createStores(api: Api) {
  const ui = createUiStore();
  const jobs = createJobsStore(api);
  const settings = createSettingsStore(api);
  const library = createLibraryStore(api, jobs);
  const streaming = createStreamingStore();
  const chat = createChatStore(api, streaming, { onError: (m) => ui.toast("error", m) });
  const search = createSearchStore(api);
  const source = createSourceStore(api);
  const models = createModelsStore(api, jobs, settings);
  const embedding = createEmbeddingStore(api);
  return { api, ui, jobs, settings, library, streaming, chat, search, source, models, embedding };
}

export type Stores = ReturnType<typeof createStores>;

/** Subscribes every store to its events; returns the function that undoes it. */
export function startStores(s: Stores): () => void {
  const offs = [s.jobs.start(), s.library.start(), s.chat.start(), s.models.start(), s.embedding.start()];
  return () => offs.forEach((f) => f());
}

export const StoresContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const s = useContext(StoresContext);
  if (!s) throw new Error("useStores outside StoresContext");
  return s;
}

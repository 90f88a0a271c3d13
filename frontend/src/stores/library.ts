// The library: collections, the selected collection's documents, and
// starting ingests into it. Job progress lives in the jobs store.

import { signal } from "@preact/signals";
import { isApiError, type Api, type Collection, type Document, type Job, type WatchedFolder } from "../api";
import type { JobsStore } from "./jobs";

const STORAGE_KEY = "kura.collection";
/** How often the documents are reloaded while vectors are being computed. */
export const EMBED_REFRESH_MS = 5000;

function storage(): Storage | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}

export function createLibraryStore(api: Api, jobs: JobsStore) {
  const collections = signal<Collection[]>([]);
  const current = signal<string>(storage()?.getItem(STORAGE_KEY) || "default");
  const documents = signal<Document[]>([]);
  /** The folders every collection follows while Kura runs. */
  const watched = signal<WatchedFolder[]>([]);
  const loadingDocs = signal(false);
  /** Set after files were dropped in a browser, which gives no paths. */
  const dropHint = signal(false);
  let docsFor = "";

  async function loadCollections() {
    const list = await api.Collections();
    collections.value = list;
    if (list.length > 0 && !list.some((c) => c.name === current.value)) select(list[0].name);
  }

  async function loadDocuments() {
    const name = current.value;
    if (docsFor !== name) documents.value = [];
    docsFor = name;
    loadingDocs.value = true;
    try {
      let docs: Document[] = [];
      try {
        docs = await api.Documents(name);
      } catch (err) {
        // A collection that does not exist yet ("default" before the first
        // ingest creates it) simply has no documents.
        if (!isApiError(err, "not_found") && !(api.transport === "wails" && collections.value.every((c) => c.name !== name))) throw err;
      }
      if (current.value === name) documents.value = docs;
    } finally {
      loadingDocs.value = false;
    }
  }

  async function loadWatched() {
    watched.value = await api.WatchedFolders();
  }

  /** Stops the current collection following a folder; its documents stay. */
  async function stopWatching(path: string) {
    await api.StopWatching(current.value, path);
    await loadWatched();
  }

  function select(name: string) {
    if (current.value === name) return;
    current.value = name;
    storage()?.setItem(STORAGE_KEY, name);
    void loadDocuments().catch(() => {});
  }

  async function createCollection(name: string) {
    const c = await api.CreateCollection(name.trim());
    await loadCollections();
    select(c.name || name.trim());
    return c;
  }

  async function deleteCollection(name: string) {
    await api.DeleteCollection(name);
    if (current.value === name) {
      const other = collections.value.find((c) => c.name !== name);
      current.value = other?.name ?? "default";
      storage()?.setItem(STORAGE_KEY, current.value);
    }
    await loadCollections();
    await loadDocuments();
  }

  async function ingest(paths: string[]): Promise<Job> {
    const job = await api.StartIngest(current.value, paths);
    jobs.apply(job);
    return job;
  }

  async function removeDocument(path: string) {
    await api.RemoveDocument(current.value, path);
    documents.value = documents.value.filter((d) => d.path !== path);
    void loadCollections().catch(() => {});
  }

  async function reindexDocument(path: string): Promise<Job> {
    const job = await api.ReindexDocument(current.value, path);
    jobs.apply(job);
    return job;
  }

  /** Re-indexes every document of the current collection, as one job; returns how many documents it covers. */
  async function reindexAll(): Promise<number> {
    jobs.apply(await api.ReindexCollection(current.value));
    return documents.value.length;
  }

  function start() {
    const refresh = (job: Job) => {
      void loadCollections().catch(() => {});
      void loadWatched().catch(() => {});
      if (job.collection === current.value || !job.collection) void loadDocuments().catch(() => {});
    };
    // Every file read is searchable by keyword before the vectors follow:
    // the list shows the documents when the embedding phase starts.
    const embedding = new Set<string>();
    // The documents' badges (Keywords only, then Indexed) and the counts
    // follow the vectors as they are computed: reloaded at most every
    // EMBED_REFRESH_MS while they come, and at once when a pass ends.
    let lastRefresh = 0;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const embedRefresh = () => {
      pending = null;
      lastRefresh = Date.now();
      void loadCollections().catch(() => {});
      void loadDocuments().catch(() => {});
    };
    const offs = [
      api.on("embed:progress", (st) => {
        if (st.collection !== current.value) return;
        const ended = st.state !== "embedding" && st.state !== "waiting";
        if (ended) {
          if (pending) clearTimeout(pending);
          embedRefresh();
        } else if (!pending) {
          pending = setTimeout(embedRefresh, Math.max(0, lastRefresh + EMBED_REFRESH_MS - Date.now()));
        }
      }),
      () => pending && clearTimeout(pending),
      jobs.onDone((job) => {
        if (job.kind !== "ingest" && job.kind !== "reindex" && job.kind !== "sync") return;
        embedding.delete(job.id);
        refresh(job);
      }),
      api.on("job:progress", (job) => {
        if ((job.kind !== "ingest" && job.kind !== "reindex" && job.kind !== "sync") || job.phase !== "embedding" || embedding.has(job.id)) return;
        embedding.add(job.id);
        refresh(job);
      }),
    ];
    return () => offs.forEach((f) => f());
  }

  return {
    collections,
    current,
    documents,
    watched,
    loadingDocs,
    dropHint,
    loadCollections,
    loadDocuments,
    loadWatched,
    stopWatching,
    select,
    createCollection,
    deleteCollection,
    ingest,
    removeDocument,
    reindexDocument,
    reindexAll,
    start,
  };
}

export type LibraryStore = ReturnType<typeof createLibraryStore>;

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, EmbedStatus } from "../api";
import { createJobsStore } from "./jobs";
import { createLibraryStore, EMBED_REFRESH_MS } from "./library";

function fakeApi() {
  const handlers = new Map<string, ((p: unknown) => void)[]>();
  const api = {
    transport: "http",
    on: (name: string, h: (p: unknown) => void) => {
      handlers.set(name, [...(handlers.get(name) ?? []), h]);
      return () => {};
    },
    onReconnect: () => () => {},
    Collections: vi.fn(async () => [{ name: "default", documents: 1, chunks: 10, vectors: 0, embedModel: "e" }]),
    Documents: vi.fn(async () => []),
  };
  const emit = (name: string, p: unknown) => (handlers.get(name) ?? []).forEach((h) => h(p));
  return { api: api as unknown as Api, raw: api, emit };
}

const progress = (p: Partial<EmbedStatus>): EmbedStatus => ({
  collection: "default", model: "e", state: "embedding", done: 0, total: 10, rebuild: false, rate: 1, etaMs: 0, elapsedMs: 0,
  error: "", errorCode: "", errorParams: {}, ...p,
});

describe("the documents follow the vectors", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reloads the badges while vectors come, a few times, and once when they are done", async () => {
    const { api, raw, emit } = fakeApi();
    const library = createLibraryStore(api, createJobsStore(api));
    library.start();
    // A second of progress events at four a second, for a minute.
    for (let i = 0; i < 240; i++) {
      emit("embed:progress", progress({ done: i % 10 }));
      await vi.advanceTimersByTimeAsync(250);
    }
    const during = raw.Documents.mock.calls.length;
    expect(during).toBeGreaterThanOrEqual(60_000 / EMBED_REFRESH_MS - 2);
    expect(during).toBeLessThanOrEqual(60_000 / EMBED_REFRESH_MS + 1);
    emit("embed:progress", progress({ state: "done", done: 10 }));
    expect(raw.Documents.mock.calls.length).toBe(during + 1);
    // Another collection's vectors do not reload this one's documents.
    emit("embed:progress", progress({ collection: "other", state: "done" }));
    await vi.advanceTimersByTimeAsync(10 * EMBED_REFRESH_MS);
    expect(raw.Documents.mock.calls.length).toBe(during + 1);
  });
});

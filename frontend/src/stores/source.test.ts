import { describe, expect, it, vi } from "vitest";
import type { Api, Passage, Source } from "../api";
import { createSourceStore } from "./source";

const page = (n: number, text: string, ocr = false): Source => ({
  path: "/docs/scan.pdf", name: "scan.pdf", page: n, pages: 12, text, ocr, isPdf: true, fileUrl: "/files?x",
});

const passage = (p: Partial<Passage>): Passage => ({
  n: 1, path: "/docs/scan.pdf", name: "scan.pdf", page: 11, endPage: 11, start: 0, end: 4, text: "", score: 1, ocr: false, cited: true, passageStart: 0, passageEnd: 4, hash: "", ...p,
});

function setup() {
  const Source = vi.fn(async (_c: string, _path: string, n: number) => page(n, `page ${n} text`, n === 12));
  return { store: createSourceStore({ Source } as unknown as Api), Source };
}

describe("the source store", () => {
  it("loads one page for a passage within a page", async () => {
    const { store, Source } = setup();
    await store.show("default", passage({}));
    expect(Source).toHaveBeenCalledTimes(1);
    expect(store.open.value?.source?.page).toBe(11);
    expect(store.open.value?.sourceEnd).toBeNull();
  });

  it("loads both pages of a passage that runs across a page break", async () => {
    const { store, Source } = setup();
    await store.show("default", passage({ endPage: 12, start: 3, end: 2 }));
    expect(Source.mock.calls.map((c) => c[2])).toEqual([11, 12]);
    expect(store.open.value?.source?.page).toBe(11);
    expect(store.open.value?.sourceEnd?.page).toBe(12);
    expect(store.open.value?.sourceEnd?.ocr).toBe(true);
  });

  it("keeps the loaded pages when another passage of the same pages is shown", async () => {
    const { store, Source } = setup();
    await store.show("default", passage({ endPage: 12 }));
    await store.show("default", passage({ endPage: 12, n: 2, start: 5 }));
    expect(Source).toHaveBeenCalledTimes(2);
    expect(store.open.value?.passage.n).toBe(2);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { EmbedStatus } from "../api";
import { setLanguage } from "../i18n";
import { coverageOf, searchModeText } from "./search";

const status = (p: Partial<EmbedStatus>): EmbedStatus => ({
  collection: "default", model: "e5", state: "embedding", done: 0, total: 0, rebuild: false, rate: 0, etaMs: 0, elapsedMs: 0,
  error: "", errorCode: "", errorParams: {}, ...p,
});

describe("searchModeText", () => {
  afterEach(() => setLanguage("en"));
  it("does not call a search hybrid when 3% of the passages have vectors", () => {
    const cov = coverageOf(status({ done: 21, total: 702 }), undefined);
    const { label, hint } = searchModeText("hybrid", cov, "en");
    expect(label).toBe("Keywords + meaning for 2% of passages");
    expect(hint).toContain("21 of 702");
  });
  it("says Hybrid once every passage has a vector", () => {
    expect(searchModeText("hybrid", coverageOf(status({ state: "done", done: 702, total: 702 }), undefined), "en").label).toBe("Hybrid");
    expect(searchModeText("hybrid", coverageOf(undefined, { chunks: 10, vectors: 10 }), "en").label).toBe("Hybrid");
  });
  it("says meaning-based search is on its way while keywords answer and vectors are computed", () => {
    const { label, hint } = searchModeText("lexical", coverageOf(status({ done: 0, total: 702 }), undefined), "en");
    expect(label).toBe("Keywords only");
    expect(hint).toContain("0 of 702");
    expect(hint).not.toMatch(/re-index/i);
  });
  it("words the part in Japanese", () => {
    setLanguage("ja");
    const { label } = searchModeText("hybrid", coverageOf(undefined, { chunks: 100, vectors: 40 }), "ja");
    expect(label).toContain("40");
    expect(label).not.toMatch(/[a-z]{3}/i);
  });
});

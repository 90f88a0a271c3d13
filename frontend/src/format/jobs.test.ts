import { describe, expect, it } from "vitest";
import type { EmbedStatus, Job } from "../api/types";
import { describeError } from "../i18n/errors";
import { embedLine, jobFacts, jobTitle, phaseFraction } from "./jobs";

const job = (p: Partial<Job>): Job => ({
  id: "job-1", kind: "ingest", collection: "default", model: "", state: "running", phase: "reading", filesDone: 0, filesTotal: 0, chunks: 0, failed: 0,
  elapsedMs: 4000, etaMs: 0, current: "", bytesDone: 0, bytesTotal: 0, ocrPagesDone: 0, ocrPagesTotal: 0, rate: 0, vectorsDone: 0, vectorsTotal: 0, embedModel: "", rebuild: false,
  error: "", errorCode: "", errorParams: {}, ...p,
});

describe("a job card's line", () => {
  it("says what is read, how fast and how long is left", () => {
    expect(jobFacts(job({ filesDone: 12, filesTotal: 40, rate: 3.14, etaMs: 20_000 }), "en").join(" · ")).toBe("Reading 12/40 files · 3.1 files/s · about 20 sec left");
  });
  it("says keyword search is ready while the vectors follow", () => {
    const j = job({ phase: "embedding", filesDone: 40, filesTotal: 40, vectorsDone: 340, vectorsTotal: 1200, rate: 2.1, etaMs: 7 * 60_000 });
    expect(jobFacts(j, "en").join(" · ")).toBe("Keyword search ready · Embedding 340/1,200 passages · 2.1/s · about 7 min left");
    expect(phaseFraction(j)).toBeCloseTo(340 / 1200);
  });
  it("says that the old vectors answer while a new model's are built", () => {
    const j = job({ phase: "embedding", vectorsDone: 10, vectorsTotal: 100, embedModel: "bge-m3", rebuild: true });
    expect(jobFacts(j, "en")[1]).toBe("Building vectors for the new model bge-m3 (10/100); the old ones answer until then");
  });
  it("gives no time left before it can be told, nor while paused", () => {
    expect(jobFacts(job({ filesDone: 1, filesTotal: 40, etaMs: 9000, elapsedMs: 500 }), "en").join(" · ")).toBe("Reading 1/40 files");
    expect(jobFacts(job({ filesDone: 1, filesTotal: 40, etaMs: 9000, state: "paused" }), "en").join(" · ")).toBe("Reading 1/40 files");
  });
  it("names the model of a download, even after it failed", () => {
    expect(jobTitle(job({ kind: "pull", model: "qwen2.5:3b", phase: "done", current: "", state: "failed" }))).toBe("Downloading qwen2.5:3b");
  });
  it("counts the files of a folder import", () => {
    expect(jobFacts(job({ kind: "import", model: "usb", current: "/media/usb/chat.gguf", filesDone: 1, filesTotal: 3, phase: "copying into the model store" }), "en")).toEqual([
      "File 2 of 3",
      "chat.gguf",
      "Copying into the model store",
    ]);
    expect(jobTitle(job({ kind: "import", model: "usb" }))).toBe("Importing usb");
  });
});

describe("a collection's vectors", () => {
  const s = (p: Partial<EmbedStatus>): EmbedStatus => ({
    collection: "c", model: "bge-m3", state: "embedding", done: 340, total: 1200, rebuild: false, rate: 2.1, etaMs: 60_000, elapsedMs: 1, error: "", errorCode: "", errorParams: {}, ...p,
  });
  const words = (x: EmbedStatus) => describeError(x.errorCode, x.errorParams, x.error);
  it("moves with the background pass", () => {
    expect(embedLine(s({}), "en", words)).toBe("Embedding 340/1,200 passages · 2.1/s · about 1 min left");
  });
  it("says it waits while an answer is written", () => {
    expect(embedLine(s({ state: "waiting" }), "en", words)).toBe("Vectors wait while an answer is written (340/1,200)");
  });
  it("words a failure from its code", () => {
    expect(embedLine(s({ state: "failed", errorCode: "model_missing", errorParams: { model: "bge-m3" }, error: "x" }), "en", words)).toContain("“bge-m3” is not installed");
  });
});

import { describe, expect, it } from "vitest";
import type { Job } from "../api";
import { upsertJob } from "./jobs";

const job = (id: string, state: Job["state"], filesDone = 0): Job => ({
  id, kind: "ingest", collection: "default", state, phase: "", filesDone, filesTotal: 10, chunks: 0, failed: 0,
  elapsedMs: 0, etaMs: 0, current: "", bytesDone: 0, bytesTotal: 0, ocrPagesDone: 0, ocrPagesTotal: 0, error: "", model: "", errorCode: "", errorParams: {},
  rate: 0, vectorsDone: 0, vectorsTotal: 0, embedModel: "", rebuild: false,
});

describe("upsertJob", () => {
  it("puts a new job first", () => {
    expect(upsertJob([job("a", "done")], job("b", "running")).map((j) => j.id)).toEqual(["b", "a"]);
  });
  it("replaces a job in place", () => {
    const out = upsertJob([job("b", "running", 1), job("a", "done")], job("b", "running", 5));
    expect(out.map((j) => [j.id, j.filesDone])).toEqual([["b", 5], ["a", 0]]);
  });
  it("never lets a late progress event undo a finished job", () => {
    const finished = [job("a", "done", 10)];
    expect(upsertJob(finished, job("a", "running", 9))).toBe(finished);
  });
  it("keeps the summary when a later event lacks it", () => {
    const withSummary = { ...job("a", "done"), summary: { added: 1, updated: 0, unchanged: 0, removed: 0, chunks: 1, vectors: 1, lexicalOnly: false, embedErrorCode: "", embedErrorParams: {}, models: [], warnings: [], failures: [] } };
    expect(upsertJob([withSummary], job("a", "done"))[0].summary?.added).toBe(1);
  });
});

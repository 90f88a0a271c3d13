import { describe, expect, it } from "vitest";
import type { Job } from "../api";
import { upsertJob, worthShowing } from "./jobs";

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

describe("which jobs get a card", () => {
  const of = (p: Partial<Job>): Job => ({ ...job("job-9", "running"), ...p });
  const sync = (p: Partial<Job>): Job => of({ kind: "sync", ...p });
  const summary = (p: Partial<NonNullable<Job["summary"]>>) => ({
    added: 0, updated: 0, unchanged: 3, removed: 0, chunks: 0, vectors: 0, lexicalOnly: false, embedErrorCode: "", embedErrorParams: {}, models: [], warnings: [], failures: [], ...p,
  });
  it("always shows the jobs the user started", () => {
    expect(worthShowing(of({ kind: "ingest", state: "done", summary: summary({}) }))).toBe(true);
  });
  it("hides a watched folder's sync that changed nothing", () => {
    expect(worthShowing(sync({ state: "done", summary: summary({}) }))).toBe(false);
  });
  it("hides a quick sync while it runs, and shows one that takes a while", () => {
    expect(worthShowing(sync({ state: "running", elapsedMs: 200 }))).toBe(false);
    expect(worthShowing(sync({ state: "running", elapsedMs: 2500 }))).toBe(true);
  });
  it("shows a sync that changed documents, or failed", () => {
    expect(worthShowing(sync({ state: "done", summary: summary({ added: 1 }) }))).toBe(true);
    expect(worthShowing(sync({ state: "failed" }))).toBe(true);
  });
  it("adds no card at each rescan for a file that still cannot be read (the Library lists it)", () => {
    const unreadable = [{ path: "/a.pdf", reason: "no text", code: "no_text" }];
    expect(worthShowing(sync({ state: "done", summary: summary({ failures: unreadable }) }))).toBe(false);
    expect(worthShowing(sync({ state: "done", summary: summary({ updated: 1, failures: unreadable }) }))).toBe(true);
    expect(worthShowing(sync({ state: "canceled" }))).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { etaFor, formatBytes, formatDuration, formatPercent, jobFraction, baseName } from "./progress";
import { formatShortDate } from "./dates";

const job = { kind: "ingest" as const, state: "running" as const, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };

describe("formatBytes", () => {
  it("uses the largest unit below 1024", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(1.93 * 1024 ** 3)).toBe("1.9 GB");
    expect(formatBytes(250 * 1024 ** 2)).toBe("250 MB");
  });
  it("shows a dash for nonsense", () => {
    expect(formatBytes(-1)).toBe("–");
    expect(formatBytes(NaN)).toBe("–");
  });
});

describe("formatDuration", () => {
  it("shows seconds, minutes and seconds, hours and minutes", () => {
    expect(formatDuration(45_000)).toBe("45 sec");
    expect(formatDuration(125_000)).toBe("2 min 5 sec");
    expect(formatDuration(15 * 60_000 + 5000)).toBe("15 min");
    expect(formatDuration(80 * 60_000)).toBe("1 hr 20 min");
  });
  it("speaks Japanese and Korean units", () => {
    expect(formatDuration(125_000, "ja")).toBe("2 分 5 秒");
    expect(formatDuration(45_000, "ko")).toBe("45초");
  });
});

describe("jobFraction", () => {
  it("counts files for an ingest", () => {
    expect(jobFraction({ ...job, filesDone: 30, filesTotal: 120 })).toBe(0.25);
  });
  it("counts bytes for a model pull", () => {
    expect(jobFraction({ ...job, kind: "pull", bytesDone: 512, bytesTotal: 2048, filesTotal: 1 })).toBe(0.25);
  });
  it("is unknown before the total is known", () => {
    expect(jobFraction(job)).toBeNull();
  });
  it("is whole when done, and never past 1", () => {
    expect(jobFraction({ ...job, state: "done" })).toBe(1);
    expect(jobFraction({ ...job, filesDone: 9, filesTotal: 5 })).toBe(1);
  });
});

describe("formatPercent", () => {
  it("never shows 100% before the end", () => {
    expect(formatPercent(0.999)).toBe("99%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.456)).toBe("46%");
  });
});

describe("etaFor", () => {
  it("shows the backend's estimate while running", () => {
    expect(etaFor({ state: "running", etaMs: 60_000, elapsedMs: 5000 })).toBe(60_000);
  });
  it("hides it when paused, finished, unknown or too early", () => {
    expect(etaFor({ state: "paused", etaMs: 60_000, elapsedMs: 5000 })).toBeNull();
    expect(etaFor({ state: "done", etaMs: 0, elapsedMs: 5000 })).toBeNull();
    expect(etaFor({ state: "running", etaMs: 0, elapsedMs: 5000 })).toBeNull();
    expect(etaFor({ state: "running", etaMs: 60_000, elapsedMs: 200 })).toBeNull();
  });
});

describe("names and dates", () => {
  it("takes the last path element for either separator", () => {
    expect(baseName("/home/mina/a/b.pdf")).toBe("b.pdf");
    expect(baseName("C:\\Users\\mina\\c.docx")).toBe("c.docx");
  });
  it("shows the time for today and the day for earlier this year", () => {
    const now = new Date(2026, 10, 25, 18, 0);
    const today = new Date(2026, 10, 25, 9, 5).getTime() / 1000;
    const earlier = new Date(2026, 2, 3, 9, 5).getTime() / 1000;
    expect(formatShortDate(today, "en", now)).toMatch(/9:05/);
    expect(formatShortDate(earlier, "ja", now)).toBe("3月3日");
  });
});

// Numbers as people read them: sizes, durations, progress and time left.
// Everything takes the locale so Japanese and Korean get their own units.

import type { Job } from "../api/types";

const KB = 1024;

/** 1536 → "1.5 KB"; uses binary multiples, labelled as people expect. */
export function formatBytes(n: number, locale = "en"): string {
  if (!Number.isFinite(n) || n < 0) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= KB && i < units.length - 1) {
    v /= KB;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v)} ${units[i]}`;
}

function unit(locale: string, u: "hour" | "minute" | "second", v: number): string {
  return new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "short" }).format(v);
}

/** A duration in at most two units: "45 sec", "2 min 5 sec", "1 hr 20 min". */
export function formatDuration(ms: number, locale = "en"): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${unit(locale, "hour", h)} ${unit(locale, "minute", m)}` : unit(locale, "hour", h);
  if (m > 0) return s > 0 && m < 10 ? `${unit(locale, "minute", m)} ${unit(locale, "second", s)}` : unit(locale, "minute", m);
  return unit(locale, "second", s);
}

/**
 * How far a job is, 0..1, or null when it cannot be told yet (the total is
 * unknown). Model pulls and imports count bytes, ingests count files.
 */
export function jobFraction(job: Pick<Job, "kind" | "state" | "filesDone" | "filesTotal" | "bytesDone" | "bytesTotal">): number | null {
  if (job.state === "done") return 1;
  const byBytes = job.kind === "pull" || job.kind === "import";
  const [done, total] = byBytes || (job.filesTotal <= 0 && job.bytesTotal > 0) ? [job.bytesDone, job.bytesTotal] : [job.filesDone, job.filesTotal];
  if (!(total > 0)) return null;
  return Math.min(1, Math.max(0, done / total));
}

/** 0.4567 → "46%" (never 100% until the job is really done). */
export function formatPercent(f: number, locale = "en"): string {
  const capped = f >= 1 ? 1 : Math.min(f, 0.99);
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(capped);
}

/** The time left worth showing, or null: unknown, finished, paused or too early to tell. */
export function etaFor(job: Pick<Job, "state" | "etaMs" | "elapsedMs">): number | null {
  if (job.state !== "running") return null;
  if (!(job.etaMs > 0) || job.elapsedMs < 1500) return null;
  return job.etaMs;
}

export function formatNumber(n: number, locale = "en"): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** The last path element, for either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

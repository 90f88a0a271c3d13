// What a job card and a collection's embedding line say, phase by phase:
// "Reading 12/40 files · 3.1 files/s · about 20 sec left", then "Keyword
// search ready · Embedding 340/1,200 passages · 2.1/s · about 7 min left".
// Every line moves with the progress events (at least once a second), so a
// card never sits on a frozen count.

import type { EmbedStatus, Job } from "../api/types";
import { t } from "../i18n";
import { baseName, formatBytes, formatDuration, formatNumber } from "./progress";

const rate = (r: number, loc: string) => new Intl.NumberFormat(loc, { maximumFractionDigits: r >= 10 ? 0 : 1, minimumFractionDigits: r >= 10 ? 0 : 1 }).format(r);

/** The card's title: what the job does, and to what. */
export function jobTitle(job: Job): string {
  switch (job.kind) {
    case "pull":
      return t("jobs.kind.pull", { name: job.model || job.current });
    case "import":
      return t("jobs.kind.import", { name: job.model || "GGUF" });
    case "reindex":
      return t("jobs.kind.reindex");
    case "sync":
      return t("jobs.kind.sync");
    default:
      return t("jobs.kind.ingest");
  }
}

/** A runtime step of a download or an import, in words. */
export function stepText(step: string): string {
  const s = step.toLowerCase();
  if (!s) return "";
  if (s.startsWith("pulling manifest")) return t("jobs.step.manifest");
  if (s.startsWith("pulling") || s.startsWith("downloading")) return t("jobs.step.download");
  if (s.startsWith("verifying")) return t("jobs.step.verify");
  if (s.startsWith("hashing")) return t("jobs.step.hash");
  if (s.startsWith("copying")) return t("jobs.step.copy");
  if (s.startsWith("writing") || s === "success") return t("jobs.step.finish");
  return t("jobs.step.create");
}

/** The facts of a running job, in reading order; the time left comes last when known. */
export function jobFacts(job: Job, loc: string): string[] {
  const facts: string[] = [];
  const running = job.state === "running";
  const eta = running && job.etaMs > 0 && job.elapsedMs >= 1500 ? job.etaMs : 0;
  if (job.kind === "pull") {
    if (job.bytesTotal > 0) facts.push(t("jobs.bytes", { done: formatBytes(job.bytesDone, loc), total: formatBytes(job.bytesTotal, loc) }));
    const bps = job.elapsedMs > 1000 && job.bytesDone > 0 ? job.bytesDone / (job.elapsedMs / 1000) : 0;
    if (running && bps > 0) facts.push(t("jobs.rate.bytes", { rate: formatBytes(bps, loc) }));
    if (running && bps > 0 && job.bytesTotal > job.bytesDone) facts.push(t("jobs.eta", { time: formatDuration(((job.bytesTotal - job.bytesDone) / bps) * 1000, loc) }));
    else if (job.phase) facts.push(stepText(job.phase));
    return facts;
  }
  if (job.kind === "import") {
    if (job.filesTotal > 1) facts.push(t("jobs.importFile", { done: Math.min(job.filesDone + 1, job.filesTotal), total: job.filesTotal }));
    if (job.filesTotal > 1 && job.current) facts.push(baseName(job.current));
    if (job.phase) facts.push(stepText(job.phase));
    return facts;
  }
  switch (job.phase) {
    case "scanning":
    case "":
      facts.push(t("jobs.phase.scanning"));
      break;
    case "embedding":
      facts.push(t("jobs.keywordReady"));
      facts.push(
        job.rebuild
          ? t("jobs.phase.rebuilding", { done: formatNumber(job.vectorsDone, loc), total: formatNumber(job.vectorsTotal, loc), model: job.embedModel })
          : t("jobs.phase.embedding", { done: formatNumber(job.vectorsDone, loc), total: formatNumber(job.vectorsTotal, loc) }),
      );
      if (job.rate > 0) facts.push(t("jobs.rate.passages", { rate: rate(job.rate, loc) }));
      break;
    default:
      facts.push(t("jobs.phase.reading", { done: formatNumber(job.filesDone, loc), total: formatNumber(job.filesTotal, loc) }));
      if (job.ocrPagesTotal > 0) facts.push(t("jobs.ocr", { done: formatNumber(job.ocrPagesDone, loc), total: formatNumber(job.ocrPagesTotal, loc) }));
      if (job.rate > 0) facts.push(t("jobs.rate.files", { rate: rate(job.rate, loc) }));
      if (job.failed > 0) facts.push(t("jobs.failedSoFar", { count: job.failed }));
  }
  if (eta > 0) facts.push(t("jobs.eta", { time: formatDuration(eta, loc) }));
  return facts;
}

/** How far a job is, 0..1, or null when it cannot be told: the bar follows the phase. */
export function phaseFraction(job: Job): number | null {
  if (job.state === "done") return 1;
  if (job.kind === "pull" || job.kind === "import") {
    if (job.kind === "import" && job.filesTotal > 1) return job.filesDone / job.filesTotal;
    return job.bytesTotal > 0 ? Math.min(1, job.bytesDone / job.bytesTotal) : null;
  }
  if (job.phase === "embedding") return job.vectorsTotal > 0 ? job.vectorsDone / job.vectorsTotal : null;
  if (job.bytesTotal > 0) return Math.min(1, job.bytesDone / job.bytesTotal);
  return job.filesTotal > 0 ? job.filesDone / job.filesTotal : null;
}

/** A collection's vectors as one line ("" when there is nothing to say). */
export function embedLine(s: EmbedStatus, loc: string, describe: (s: EmbedStatus) => string): string {
  const done = formatNumber(s.done, loc);
  const total = formatNumber(s.total, loc);
  switch (s.state) {
    case "embedding": {
      const parts = [s.rebuild ? t("jobs.phase.rebuilding", { done, total, model: s.model }) : t("jobs.phase.embedding", { done, total })];
      if (s.rate > 0) parts.push(t("jobs.rate.passages", { rate: rate(s.rate, loc) }));
      if (s.etaMs > 0) parts.push(t("jobs.eta", { time: formatDuration(s.etaMs, loc) }));
      return parts.join(" · ");
    }
    case "waiting":
      return t("embed.waiting", { done, total });
    case "done":
      return s.total > 0 ? t("embed.done", { total, model: s.model }) : "";
    case "failed":
      return t("embed.failed", { error: describe(s) });
    case "stopped":
      return t("embed.stopped", { done, total });
    case "off":
      return t("embed.off");
  }
  return "";
}

// One long job: live progress while it runs, its summary and failures when done.

import { useState } from "preact/hooks";
import { errorMessage, type Job } from "../api";
import { baseName, etaFor, formatBytes, formatDuration, jobFraction } from "../format/progress";
import { locale, t } from "../i18n";
import { isFinished } from "../stores/jobs";
import { useStores } from "../stores";
import { Icon } from "./Icon";
import { ProgressBar } from "./Progress";

function title(job: Job): string {
  switch (job.kind) {
    case "pull":
      return t("jobs.kind.pull", { name: job.current || job.phase });
    case "import":
      return t("jobs.kind.import", { name: job.current || "GGUF" });
    case "reindex":
      return t("jobs.kind.reindex");
    default:
      return t("jobs.kind.ingest");
  }
}

export function JobCard({ job }: { job: Job }) {
  const { jobs, ui } = useStores();
  const [showFailures, setShowFailures] = useState(false);
  const loc = locale.value;
  const finished = isFinished(job);
  const byBytes = job.kind === "pull" || job.kind === "import";
  const fraction = jobFraction(job);
  const eta = etaFor(job);
  const act = (f: () => Promise<void>) => () => f().catch((e) => ui.toast("error", errorMessage(e)));
  const s = job.summary;
  const failures = s?.failures ?? [];

  const facts: string[] = [];
  if (!finished) {
    if (byBytes) {
      if (job.bytesTotal > 0) facts.push(t("jobs.bytes", { done: formatBytes(job.bytesDone, loc), total: formatBytes(job.bytesTotal, loc) }));
      if (job.phase) facts.push(job.phase);
    } else {
      if (job.filesTotal > 0) facts.push(t("jobs.files", { done: job.filesDone, total: job.filesTotal, count: job.filesTotal }));
      if (job.ocrPagesTotal > 0) facts.push(t("jobs.ocr", { done: job.ocrPagesDone, total: job.ocrPagesTotal }));
      facts.push(t("jobs.chunks", { count: job.chunks }));
      if (job.failed > 0) facts.push(t("jobs.failedSoFar", { count: job.failed }));
    }
    if (eta !== null) facts.push(t("jobs.eta", { time: formatDuration(eta, loc) }));
  }

  return (
    <div class={`job-card state-${job.state}`} data-testid="job-card" data-job-id={job.id} data-state={job.state}>
      <div class="job-head">
        <div class="job-title">
          <span class="job-kind">{title(job)}</span>
          {job.collection && !byBytes && <span class="muted"> · {job.collection}</span>}
        </div>
        <span class={`pill state-${job.state}`}>{t(`jobs.state.${job.state}`)}</span>
        {!finished && (
          <div class="job-actions">
            {job.state === "running" && !byBytes && (
              <button class="icon-btn" title={t("jobs.pause")} aria-label={t("jobs.pause")} onClick={act(() => jobs.pause(job.id))} data-testid="job-pause">
                <Icon name="pause" size={16} />
              </button>
            )}
            {job.state === "paused" && (
              <button class="icon-btn" title={t("jobs.resume")} aria-label={t("jobs.resume")} onClick={act(() => jobs.resume(job.id))} data-testid="job-resume">
                <Icon name="play" size={16} />
              </button>
            )}
            <button class="icon-btn" title={t("jobs.cancel")} aria-label={t("jobs.cancel")} onClick={act(() => jobs.cancel(job.id))} data-testid="job-cancel">
              <Icon name="x" size={16} />
            </button>
          </div>
        )}
        {finished && (
          <button class="icon-btn" title={t("common.dismiss")} aria-label={t("common.dismiss")} onClick={() => jobs.dismiss(job.id)} data-testid="job-dismiss">
            <Icon name="x" size={16} />
          </button>
        )}
      </div>

      {!finished && (
        <>
          <ProgressBar fraction={fraction} paused={job.state === "paused"} testid="job-progress" />
          <div class="job-facts">
            <span>{facts.join(" · ")}</span>
            <span class="muted">{formatDuration(job.elapsedMs, loc)}</span>
          </div>
          {job.current && !byBytes && (
            <div class="job-current" title={job.current}>
              {t("jobs.current", { file: baseName(job.current) })}
            </div>
          )}
        </>
      )}

      {finished && (
        <div class="job-done" data-testid="job-done">
          {s && !byBytes && (
            <div class="job-summary">
              <span>{t("jobs.summary", { added: s.added, updated: s.updated, unchanged: s.unchanged, removed: s.removed })}</span>
              <span class="muted"> · {t("jobs.summaryIndex", { chunks: s.chunks, vectors: s.vectors })}</span>
              <span class="muted"> · {formatDuration(job.elapsedMs, loc)}</span>
            </div>
          )}
          {job.error && (
            <div class="job-error">
              <Icon name="alert" size={16} /> {job.error}
            </div>
          )}
          {s?.lexicalOnly && (
            <div class="note warn" data-testid="job-lexical-only">
              <Icon name="info" size={16} />
              <span>{t("jobs.lexicalOnly")}</span>
            </div>
          )}
          {failures.length > 0 && (
            <div class="job-failures">
              <button class="link-btn" onClick={() => setShowFailures(!showFailures)} aria-expanded={showFailures} data-testid="job-failures-toggle">
                <Icon name="chevron" size={14} class={showFailures ? "rot90" : ""} />
                {t("jobs.failures", { count: failures.length })}
              </button>
              {showFailures && (
                <ul>
                  {failures.map((f) => (
                    <li key={f.path} data-testid="job-failure">
                      <span class="failure-name" title={f.path}>
                        {baseName(f.path)}
                      </span>
                      <span class="failure-reason">{f.reason}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {s && s.warnings.length > 0 && (
            <details class="job-warnings">
              <summary>
                {t("jobs.warnings")} ({s.warnings.length})
              </summary>
              <ul>
                {s.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}

// One long job: its phase as it moves (reading, then embedding; a
// download's bytes; an import's files), its summary and failures when done.

import { useState } from "preact/hooks";
import type { Job } from "../api";
import { jobFacts, jobTitle, phaseFraction } from "../format/jobs";
import { baseName, formatDuration } from "../format/progress";
import { locale, t } from "../i18n";
import { describeError, errorMessage, failureText } from "../i18n/errors";
import { isFinished } from "../stores/jobs";
import { useStores } from "../stores";
import { Icon } from "./Icon";
import { ProgressBar } from "./Progress";

export function JobCard({ job }: { job: Job }) {
  const { jobs, ui } = useStores();
  const [showFailures, setShowFailures] = useState(false);
  const loc = locale.value;
  const finished = isFinished(job);
  const byModel = job.kind === "pull" || job.kind === "import";
  const act = (f: () => Promise<void>) => () => f().catch((e) => ui.toast("error", errorMessage(e)));
  const s = job.summary;
  const failures = s?.failures ?? [];
  const facts = finished ? [] : jobFacts(job, loc);
  const installed = s?.models ?? [];

  return (
    <div class={`job-card state-${job.state}`} data-testid="job-card" data-job-id={job.id} data-kind={job.kind} data-state={job.state} data-phase={job.phase}>
      <div class="job-head">
        <div class="job-title">
          <span class="job-kind">{jobTitle(job)}</span>
          {job.collection && !byModel && <span class="muted"> · {job.collection}</span>}
        </div>
        <span class={`pill state-${job.state}`}>{t(`jobs.state.${job.state}`)}</span>
        {!finished && (
          <div class="job-actions">
            {job.state === "running" && !byModel && (
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
          <ProgressBar fraction={phaseFraction(job)} paused={job.state === "paused"} testid="job-progress" />
          <div class="job-facts">
            <span data-testid="job-facts">{facts.join(" · ")}</span>
            <span class="muted">{formatDuration(job.elapsedMs, loc)}</span>
          </div>
          {job.current && !byModel && job.phase === "reading" && (
            <div class="job-current" title={job.current}>
              {t("jobs.current", { file: baseName(job.current) })}
            </div>
          )}
        </>
      )}

      {finished && (
        <div class="job-done" data-testid="job-done">
          {s && !byModel && (
            <div class="job-summary">
              <span>{t("jobs.summary", { added: s.added, updated: s.updated, unchanged: s.unchanged, removed: s.removed })}</span>
              <span class="muted"> · {t("jobs.summaryIndex", { chunks: s.chunks, vectors: s.vectors })}</span>
              <span class="muted"> · {formatDuration(job.elapsedMs, loc)}</span>
            </div>
          )}
          {byModel && installed.length > 0 && (
            <div class="job-summary" data-testid="job-installed">
              <div>{t("jobs.installed", { names: installed.map((m) => m.name).join(", ") })}</div>
              {installed
                .filter((m) => m.chosen)
                .map((m) => (
                  <div key={m.name} class="muted" data-testid="job-chosen">
                    <Icon name="check" size={13} /> {t(m.role === "embed" ? "jobs.chosen.embed" : "jobs.chosen.chat", { name: m.name })}
                  </div>
                ))}
            </div>
          )}
          {job.error && (
            <div class="job-error" data-testid="job-error" data-code={job.errorCode}>
              <Icon name="alert" size={16} /> {describeError(job.errorCode, job.errorParams, job.error)}
            </div>
          )}
          {s?.lexicalOnly && (
            <div class="note warn" data-testid="job-lexical-only">
              <Icon name="info" size={16} />
              <span>
                {t("jobs.lexicalOnly")}
                {s.embedErrorCode && <> {t("jobs.lexicalReason", { reason: describeError(s.embedErrorCode, s.embedErrorParams) })}</>}
              </span>
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
                    <li key={f.path} data-testid="job-failure" data-code={f.code}>
                      <span class="failure-name" title={f.path}>
                        {baseName(f.path)}
                      </span>
                      <span class="failure-reason">{byModel ? describeError(f.code, {}, f.reason) : failureText(f.code, f.reason)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

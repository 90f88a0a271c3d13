// Long jobs (ingest, re-index, model pull and import): the list of this
// session's jobs, kept current by job:progress and job:done events.

import { signal } from "@preact/signals";
import type { Api, Job } from "../api";

const FINISHED = new Set(["done", "failed", "canceled"]);

export function isFinished(job: Pick<Job, "state">): boolean {
  return FINISHED.has(job.state);
}

/**
 * Inserts or replaces `job` by id, newest first. A late progress event never
 * overwrites a finished state (events may arrive out of order around done).
 */
export function upsertJob(list: Job[], job: Job): Job[] {
  const i = list.findIndex((j) => j.id === job.id);
  if (i < 0) return [job, ...list];
  const old = list[i];
  if (isFinished(old) && !isFinished(job)) return list;
  const merged = { ...job, summary: job.summary ?? old.summary };
  const out = list.slice();
  out[i] = merged;
  return out;
}

/**
 * Whether a job is worth a card. A watched folder's sync runs whenever a
 * file there changes and every few minutes: it gets a card once it takes a
 * moment (a quick one that changed nothing never flashes), and once done
 * only if it changed documents or failed as a whole. A file it could not
 * read is not news each time: the Library lists it with its reason, once,
 * where it stays until it is fixed or removed.
 */
export function worthShowing(job: Job): boolean {
  if (job.kind !== "sync") return true;
  if (!isFinished(job)) return job.elapsedMs >= 1000;
  if (job.state !== "done") return job.state === "failed";
  const s = job.summary;
  return !s || s.added + s.updated + s.removed > 0;
}

export function createJobsStore(api: Api) {
  const jobs = signal<Job[]>([]);
  const dismissed = signal<Set<string>>(new Set());
  const doneHandlers = new Set<(job: Job) => void>();

  function apply(job: Job) {
    jobs.value = upsertJob(jobs.value, job);
  }

  async function load() {
    const list = await api.Jobs();
    let next = jobs.value;
    for (const j of [...list].reverse()) next = upsertJob(next, j);
    jobs.value = next;
  }

  function start() {
    const offs = [
      api.on("job:progress", apply),
      api.on("job:done", (job) => {
        apply(job);
        for (const h of doneHandlers) h(job);
      }),
      api.onReconnect(() => void load().catch(() => {})),
    ];
    return () => offs.forEach((f) => f());
  }

  /** Runs `h` for every job that finishes; returns the unsubscribe function. */
  function onDone(h: (job: Job) => void) {
    doneHandlers.add(h);
    return () => doneHandlers.delete(h);
  }

  function dismiss(id: string) {
    dismissed.value = new Set([...dismissed.value, id]);
  }

  return {
    jobs,
    dismissed,
    apply,
    load,
    start,
    onDone,
    dismiss,
    pause: (id: string) => api.PauseJob(id),
    resume: (id: string) => api.ResumeJob(id),
    cancel: (id: string) => api.CancelJob(id),
  };
}

export type JobsStore = ReturnType<typeof createJobsStore>;

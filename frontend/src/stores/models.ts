// The model runtime and installed models; pulls and imports run as jobs.

import { signal } from "@preact/signals";
import type { Api, Job, Model, Runtime } from "../api";
import type { JobsStore } from "./jobs";
import type { SettingsStore } from "./settings";

export function createModelsStore(api: Api, jobs: JobsStore, settings: SettingsStore) {
  const runtime = signal<Runtime | null>(null);
  const models = signal<Model[]>([]);
  const loading = signal(false);

  /** Loads both; the runtime shows even when listing models fails (Ollama down). */
  async function load() {
    loading.value = true;
    try {
      const [r, m] = await Promise.allSettled([api.Runtime(), api.Models()]);
      if (r.status === "fulfilled") runtime.value = r.value;
      if (m.status === "fulfilled") models.value = m.value;
      if (r.status === "rejected") throw r.reason;
      if (m.status === "rejected" && runtime.value?.reachable !== false) throw m.reason;
    } finally {
      loading.value = false;
    }
  }

  async function pull(name: string): Promise<Job> {
    const job = await api.PullModel(name.trim());
    jobs.apply(job);
    return job;
  }

  async function importGguf(path: string, name: string): Promise<Job> {
    const job = await api.ImportModel(path.trim(), name.trim());
    jobs.apply(job);
    return job;
  }

  async function remove(name: string) {
    await api.DeleteModel(name);
    models.value = models.value.filter((m) => m.name !== name);
    void settings.loadStatus().catch(() => {});
  }

  function start() {
    return jobs.onDone((job) => {
      if (job.kind !== "pull" && job.kind !== "import") return;
      void load().catch(() => {});
      void settings.loadStatus().catch(() => {});
    });
  }

  return { runtime, models, loading, load, pull, importGguf, remove, start };
}

export type ModelsStore = ReturnType<typeof createModelsStore>;

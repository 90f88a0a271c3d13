// The model runtime and installed models; pulls and imports run as jobs.

import { signal } from "@preact/signals";
import type { Api, Job, Model, ModelRole, Recommendation, Runtime } from "../api";
import type { JobsStore } from "./jobs";
import type { SettingsStore } from "./settings";

export function createModelsStore(api: Api, jobs: JobsStore, settings: SettingsStore) {
  const runtime = signal<Runtime | null>(null);
  const models = signal<Model[]>([]);
  const recommendations = signal<Recommendation[]>([]);
  const loading = signal(false);

  /** Loads both; the runtime shows even when listing models fails (Ollama down). */
  async function load() {
    loading.value = true;
    try {
      const [r, m, rec] = await Promise.allSettled([api.Runtime(), api.Models(), api.Recommendations()]);
      if (r.status === "fulfilled") runtime.value = r.value;
      if (m.status === "fulfilled") models.value = m.value;
      if (rec.status === "fulfilled") recommendations.value = rec.value;
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

  /** Makes an installed model the one that answers ("chat") or embeds ("embed"). */
  async function use(role: ModelRole, name: string) {
    await api.UseModel(role, name);
    await settings.load();
    void settings.loadStatus().catch(() => {});
    await load();
  }

  /** Imports a .gguf file (name "" = after the file) or every .gguf file of a folder. */
  async function importGguf(path: string, name: string): Promise<Job> {
    const job = await api.ImportModel(path.trim(), name.trim());
    jobs.apply(job);
    return job;
  }

  async function remove(name: string) {
    await api.DeleteModel(name);
    models.value = models.value.filter((m) => m.name !== name);
    void settings.loadStatus().catch(() => {});
    // The runtime no longer holds it; the list of loaded models changed.
    void load().catch(() => {});
  }

  function start() {
    return jobs.onDone((job) => {
      if (job.kind !== "pull" && job.kind !== "import") return;
      void load().catch(() => {});
      // A model that is the only one of its role became the configured one.
      void settings.load().catch(() => {});
      void settings.loadStatus().catch(() => {});
    });
  }

  return { runtime, models, recommendations, loading, load, pull, importGguf, use, remove, start };
}

export type ModelsStore = ReturnType<typeof createModelsStore>;

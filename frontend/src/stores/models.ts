// The model runtime and installed models; pulls and imports run as jobs.

import { signal } from "@preact/signals";
import type { Api, Job, Model, ModelRole, Recommendation, Runtime } from "../api";
import { sameModel } from "../format/models";
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

  /**
   * The speeds follow what this machine measures, without asking: an
   * embedding pass reports its rate in every embed:progress, which is
   * shown at once; an answer measures the chat model's reading speed, so
   * the models are listed again when one ends, if they were listed.
   */
  let viewers = 0;
  /** Marks the Models view open until the returned function is called: an answer's end then lists the models again. */
  function view() {
    viewers++;
    return () => {
      viewers--;
    };
  }

  function noteEmbedRate(model: string, rate: number) {
    if (!(rate > 0) || !model) return;
    if (models.value.some((m) => m.embedding && sameModel(m.name, model) && m.speed !== rate)) {
      models.value = models.value.map((m) => (m.embedding && sameModel(m.name, model) ? { ...m, speed: rate } : m));
    }
    if (recommendations.value.some((r) => r.role === "embed" && sameModel(r.name, model) && r.speed !== rate)) {
      recommendations.value = recommendations.value.map((r) => (r.role === "embed" && sameModel(r.name, model) ? { ...r, speed: rate } : r));
    }
  }

  function start() {
    const offs = [
      jobs.onDone((job) => {
        if (job.kind !== "pull" && job.kind !== "import") return;
        void load().catch(() => {});
        // A model that is the only one of its role became the configured one.
        void settings.load().catch(() => {});
        void settings.loadStatus().catch(() => {});
      }),
      api.on("embed:progress", (s) => noteEmbedRate(s.model, s.rate)),
      api.on("answer:done", () => {
        if (viewers > 0) void load().catch(() => {});
      }),
    ];
    return () => offs.forEach((f) => f());
  }

  return { runtime, models, recommendations, loading, load, view, pull, importGguf, use, remove, start };
}

export type ModelsStore = ReturnType<typeof createModelsStore>;

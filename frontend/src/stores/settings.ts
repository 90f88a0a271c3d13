// Settings and the backend's status (what the no-model banner needs). The
// theme and the UI language are applied as soon as settings load or change.

import { signal } from "@preact/signals";
import type { Api, Settings, Status, Theme } from "../api";
import { setLanguage } from "../i18n";

const THEME_KEY = "kura.theme";
const LANG_KEY = "kura.language";

function storage(): Storage | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}

let chosenTheme: Theme = "system";
let watchingSystem = false;

/** The light or dark look for a theme choice: "system" follows the OS. */
export function resolveTheme(theme: Theme, systemDark: boolean): "light" | "dark" {
  if (theme === "light" || theme === "dark") return theme;
  return systemDark ? "dark" : "light";
}

function systemDark(): boolean {
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches;
}

/**
 * Sets the resolved theme (light or dark) on <html>, so the stylesheet has one
 * dark palette; with "system" it follows OS changes live. The choice is
 * remembered locally so the next start paints right away.
 */
export function applyTheme(theme: Theme) {
  chosenTheme = theme || "system";
  if (typeof document !== "undefined") document.documentElement.dataset.theme = resolveTheme(chosenTheme, systemDark());
  if (!watchingSystem && typeof matchMedia !== "undefined") {
    watchingSystem = true;
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(chosenTheme));
  }
  storage()?.setItem(THEME_KEY, chosenTheme);
}

export function applyLanguage(language: string) {
  setLanguage(language);
  storage()?.setItem(LANG_KEY, language);
}

/** Applies the theme and language remembered from the last run, before settings load. */
export function applyRemembered() {
  applyTheme((storage()?.getItem(THEME_KEY) as Theme) || "system");
  setLanguage(storage()?.getItem(LANG_KEY) ?? "");
}

export function createSettingsStore(api: Api) {
  const settings = signal<Settings | null>(null);
  const status = signal<Status | null>(null);

  async function load() {
    const s = await api.Settings();
    settings.value = s;
    applyTheme(s.theme);
    applyLanguage(s.language);
  }

  async function loadStatus() {
    const next = await api.Status();
    // Polled: keep the same object when nothing changed, so nothing re-renders.
    if (JSON.stringify(next) !== JSON.stringify(status.value)) status.value = next;
  }

  /** Saves changes on top of the current settings. */
  async function save(patch: Partial<Settings>) {
    if (!settings.value) await load();
    const next = { ...settings.value!, ...patch };
    await api.SaveSettings(next);
    settings.value = next;
    applyTheme(next.theme);
    applyLanguage(next.language);
    void loadStatus().catch(() => {});
  }

  /**
   * Keeps the status true without costing an idle Kura anything: it is
   * loaded when the page starts and when anything changes it (a model
   * installed, used or removed, settings saved), not on a timer. Asking
   * whether the models are installed makes the runtime read their files,
   * which every 15 s kept it at 5-10% of a CPU. Only two cases look again
   * on their own: coming back to a page hidden for more than `staleMs`
   * (Ollama may have been started or stopped meanwhile), and, while the
   * runtime is unreachable and the page visible, every `retryMs`, which
   * costs a refused connection (so the banner goes when Ollama comes up).
   * Returns the function that stops it.
   */
  function watchStatus(page: StatusPage = browserPage(), { staleMs = 60_000, retryMs = 30_000 } = {}) {
    let checked = Date.now();
    let retry: ReturnType<typeof setTimeout> | null = null;
    const check = () => {
      checked = Date.now();
      void loadStatus()
        .catch(() => {})
        .finally(schedule);
    };
    const schedule = () => {
      if (retry) clearTimeout(retry);
      retry = null;
      if (page.visible() && status.value && !status.value.reachable) retry = setTimeout(check, retryMs);
    };
    const offVisible = page.onChange(() => {
      if (page.visible() && Date.now() - checked >= staleMs) check();
      else schedule();
    });
    const offStatus = status.subscribe(() => schedule());
    return () => {
      offVisible();
      offStatus();
      if (retry) clearTimeout(retry);
    };
  }

  return { settings, status, load, loadStatus, save, watchStatus };
}

/** What watchStatus needs of the page: whether it is seen, and when it becomes visible or hidden again. */
export interface StatusPage {
  visible(): boolean;
  onChange(f: () => void): () => void;
}

function browserPage(): StatusPage {
  return {
    visible: () => typeof document === "undefined" || document.visibilityState === "visible",
    onChange: (f) => {
      if (typeof document === "undefined") return () => {};
      const on = () => f();
      document.addEventListener("visibilitychange", on);
      return () => document.removeEventListener("visibilitychange", on);
    },
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;

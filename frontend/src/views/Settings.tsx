// Settings: appearance applies at once; the rest is a form saved together.

import { useEffect, useState } from "preact/hooks";
import { errorMessage, type Settings, type Theme } from "../api";
import { Icon } from "../components/Icon";
import { LOCALE_NAMES, LOCALES, systemLocale, t } from "../i18n";
import { useStores } from "../stores";

type Draft = Pick<Settings, "ollamaUrl" | "topK" | "lexicalWeight" | "chunkSize" | "chunkOverlap" | "maxContext">;
type Errors = Partial<Record<keyof Draft, string>>;

function draftOf(s: Settings): Draft {
  return { ollamaUrl: s.ollamaUrl, topK: s.topK, lexicalWeight: s.lexicalWeight, chunkSize: s.chunkSize, chunkOverlap: s.chunkOverlap, maxContext: s.maxContext };
}

/** Checks a draft; returns the fields in error (with a message where it helps). */
export function validate(d: Draft): Errors {
  const e: Errors = {};
  if (d.ollamaUrl.trim() && !/^https?:\/\/[^\s/]+/i.test(d.ollamaUrl.trim())) e.ollamaUrl = "";
  if (!(Number.isInteger(d.topK) && d.topK >= 1 && d.topK <= 50)) e.topK = "";
  if (!(d.lexicalWeight >= 0 && d.lexicalWeight <= 1)) e.lexicalWeight = "";
  if (!(Number.isInteger(d.chunkSize) && d.chunkSize >= 100 && d.chunkSize <= 20000)) e.chunkSize = "";
  if (!(Number.isInteger(d.chunkOverlap) && d.chunkOverlap >= 0)) e.chunkOverlap = "";
  else if (d.chunkOverlap >= d.chunkSize) e.chunkOverlap = t("settings.overlapTooLarge");
  if (!(Number.isInteger(d.maxContext) && d.maxContext >= 512 && d.maxContext <= 1048576)) e.maxContext = "";
  return e;
}

export function SettingsView() {
  const { settings, library, ui } = useStores();
  const s = settings.settings.value;
  const [draft, setDraft] = useState<Draft | null>(s ? draftOf(s) : null);
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (s && !draft) setDraft(draftOf(s));
  }, [s]);

  if (!s || !draft) return <div class="page muted">{t("common.loading")}</div>;

  const dirty = JSON.stringify(draftOf(s)) !== JSON.stringify(draft);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft, [k]: v });
  const num = (k: "topK" | "chunkSize" | "chunkOverlap" | "maxContext") => (e: Event) => set(k, Math.round(Number((e.currentTarget as HTMLInputElement).value)));

  const save = async (e: Event) => {
    e.preventDefault();
    const errs = validate(draft);
    setErrors(errs);
    if (Object.keys(errs).length > 0) {
      ui.toast("error", t("settings.invalid"));
      return;
    }
    setSaving(true);
    try {
      await settings.save({ ...draft, ollamaUrl: draft.ollamaUrl.trim() });
      ui.toast("success", t("settings.saved"));
    } catch (err) {
      ui.toast("error", errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const saveNow = async (patch: Partial<Settings>) => {
    try {
      await settings.save(patch);
    } catch (err) {
      ui.toast("error", errorMessage(err));
    }
  };

  const reindex = async () => {
    const name = library.current.value;
    const ok = await ui.confirm({ title: t("library.reindexAllTitle", { name }), body: t("library.reindexAllBody"), confirm: t("library.reindexAll"), danger: false });
    if (!ok) return;
    if (library.documents.value.length === 0) await library.loadDocuments().catch(() => {});
    try {
      await library.reindexAll();
      ui.navigate({ view: "library" });
    } catch (err) {
      ui.toast("error", errorMessage(err));
    }
  };

  const err = (k: keyof Draft) => (k in errors ? "invalid" : "");
  const lexPct = Math.round(draft.lexicalWeight * 100);

  return (
    <div class="page settings-view">
      <h1 class="view-title">{t("settings.title")}</h1>

      <section class="card">
        <div class="card-head">
          <h2>{t("settings.appearance")}</h2>
        </div>
        <div class="form-grid">
          <label class="field">
            <span class="field-label">{t("settings.theme")}</span>
            <select class="input" value={s.theme || "system"} onChange={(e) => saveNow({ theme: e.currentTarget.value as Theme })} data-testid="theme-select">
              <option value="system">{t("settings.theme.system")}</option>
              <option value="light">{t("settings.theme.light")}</option>
              <option value="dark">{t("settings.theme.dark")}</option>
            </select>
          </label>
          <label class="field">
            <span class="field-label">{t("settings.language")}</span>
            <select class="input" value={s.language} onChange={(e) => saveNow({ language: e.currentTarget.value })} data-testid="lang-select">
              <option value="">{t("settings.language.system", { name: LOCALE_NAMES[systemLocale()] })}</option>
              {LOCALES.map((l) => (
                <option key={l} value={l}>
                  {LOCALE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
        </div>
      </section>

      <form onSubmit={save} class="stack" novalidate>
        <section class="card">
          <div class="card-head">
            <h2>{t("settings.runtime")}</h2>
          </div>
          <label class="field">
            <span class="field-label">{t("settings.ollamaUrl")}</span>
            <input
              class={`input mono ${err("ollamaUrl")}`}
              value={draft.ollamaUrl}
              placeholder="http://127.0.0.1:11434"
              onInput={(e) => set("ollamaUrl", e.currentTarget.value)}
              data-testid="settings-ollama-url"
              spellcheck={false}
            />
            <span class="hint">{t("settings.ollamaUrlHint")}</span>
          </label>
        </section>

        <section class="card">
          <div class="card-head">
            <h2>{t("settings.retrieval")}</h2>
          </div>
          <div class="form-grid">
            <label class="field">
              <span class="field-label">{t("settings.topK")}</span>
              <input class={`input ${err("topK")}`} type="number" min={1} max={50} value={draft.topK} onInput={num("topK")} data-testid="settings-topk" />
              <span class="hint">{t("settings.topKHint")}</span>
            </label>
            <label class="field">
              <span class="field-label">{t("settings.maxContext")}</span>
              <input class={`input ${err("maxContext")}`} type="number" min={512} step={512} value={draft.maxContext} onInput={num("maxContext")} data-testid="settings-max-context" />
              <span class="hint">{t("settings.maxContextHint")}</span>
            </label>
          </div>
          <div class="field">
            <span class="field-label" id="balance-label">
              {t("settings.balance")}
            </span>
            <div class="slider-row">
              <span class="slider-end">{t("settings.balanceVector")}</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={draft.lexicalWeight}
                aria-labelledby="balance-label"
                aria-valuetext={`${t("settings.balanceVector")} ${100 - lexPct}% · ${t("settings.balanceLexical")} ${lexPct}%`}
                onInput={(e) => set("lexicalWeight", Number(e.currentTarget.value))}
                data-testid="settings-lexical-weight"
                style={{ "--fill": `${lexPct}%` }}
              />
              <span class="slider-end">{t("settings.balanceLexical")}</span>
              <output class="slider-value mono">{draft.lexicalWeight.toFixed(2)}</output>
            </div>
            <span class="hint">{t("settings.balanceHint")}</span>
          </div>
        </section>

        <section class="card">
          <div class="card-head">
            <h2>{t("settings.indexing")}</h2>
          </div>
          <div class="form-grid">
            <label class="field">
              <span class="field-label">{t("settings.chunkSize")}</span>
              <input class={`input ${err("chunkSize")}`} type="number" min={100} step={50} value={draft.chunkSize} onInput={num("chunkSize")} data-testid="settings-chunk-size" />
            </label>
            <label class="field">
              <span class="field-label">{t("settings.chunkOverlap")}</span>
              <input class={`input ${err("chunkOverlap")}`} type="number" min={0} step={10} value={draft.chunkOverlap} onInput={num("chunkOverlap")} data-testid="settings-chunk-overlap" />
              {errors.chunkOverlap && <span class="hint error-text">{errors.chunkOverlap}</span>}
            </label>
          </div>
          <div class="note info">
            <Icon name="info" size={16} />
            <span>{t("settings.chunkNote", { name: library.current.value })}</span>
            <button type="button" class="btn small" onClick={reindex} data-testid="settings-reindex">
              <Icon name="refresh" size={14} /> {t("settings.reindex", { name: library.current.value })}
            </button>
          </div>
        </section>

        <div class={`save-bar ${dirty ? "dirty" : ""}`}>
          {dirty && <span class="muted">{t("settings.unsaved")}</span>}
          <button
            type="button"
            class="btn"
            disabled={!dirty}
            onClick={() => {
              setDraft(draftOf(s));
              setErrors({});
            }}
          >
            {t("settings.revert")}
          </button>
          <button type="submit" class="btn primary" disabled={!dirty || saving} data-testid="settings-save">
            {t("settings.save")}
          </button>
        </div>
      </form>
    </div>
  );
}

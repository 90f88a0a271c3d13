// Settings: appearance applies at once; the rest is a form saved together.
// Every number shows its allowed range (the backend refuses others with
// out_of_range, which marks the field).

import { useEffect, useState } from "preact/hooks";
import { ApiError, type Settings, type Theme } from "../api";
import { errorMessage } from "../i18n/errors";
import { Icon } from "../components/Icon";
import { LOCALE_NAMES, LOCALES, systemLocale, t } from "../i18n";
import { useStores } from "../stores";

type Draft = Pick<Settings, "ollamaUrl" | "topK" | "lexicalWeight" | "chunkSize" | "chunkOverlap" | "maxContext" | "firstTokenSeconds">;
type Errors = Partial<Record<keyof Draft, string>>;
type NumberField = "topK" | "chunkSize" | "chunkOverlap" | "maxContext" | "firstTokenSeconds";

/** The allowed ranges, as app.SaveSettings checks them (docs/API.md, Settings). */
export const RANGES: Record<NumberField, (d: Draft) => [number, number]> = {
  topK: () => [1, 50],
  chunkSize: () => [100, 8000],
  chunkOverlap: (d) => [0, Math.floor(d.chunkSize / 2)],
  maxContext: () => [1024, 131072],
  firstTokenSeconds: () => [3, 300],
};

function draftOf(s: Settings): Draft {
  return {
    ollamaUrl: s.ollamaUrl,
    topK: s.topK,
    lexicalWeight: s.lexicalWeight,
    chunkSize: s.chunkSize,
    chunkOverlap: s.chunkOverlap,
    maxContext: s.maxContext,
    firstTokenSeconds: s.firstTokenSeconds,
  };
}

/** Checks a draft; returns the fields in error, each with the words that say why. */
export function validate(d: Draft): Errors {
  const e: Errors = {};
  if (d.ollamaUrl.trim() && !/^https?:\/\/[^\s/]+/i.test(d.ollamaUrl.trim())) e.ollamaUrl = "";
  if (!(d.lexicalWeight > 0 && d.lexicalWeight <= 1)) e.lexicalWeight = "";
  for (const k of Object.keys(RANGES) as NumberField[]) {
    const [min, max] = RANGES[k](d);
    if (!(Number.isInteger(d[k]) && d[k] >= min && d[k] <= max)) e[k] = t("settings.range", { min, max });
  }
  if (e.chunkOverlap !== undefined && d.chunkOverlap > d.chunkSize / 2) e.chunkOverlap = t("settings.overlapTooLarge");
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
  const num = (k: NumberField) => (e: Event) => set(k, Math.round(Number((e.currentTarget as HTMLInputElement).value)));
  /** The hint under a number field: its range, or what is wrong with it. */
  const range = (k: NumberField) => {
    const [min, max] = RANGES[k](draft);
    return <span class={`hint ${errors[k] ? "error-text" : ""}`} data-testid={`range-${k}`}>{errors[k] || t("settings.range", { min, max })}</span>;
  };

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
      // A value the backend refuses marks its field too.
      const field = err instanceof ApiError && err.code === "out_of_range" ? (err.params.field as keyof Draft) : null;
      if (field && field in draft) setErrors({ [field]: errorMessage(err) });
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
              {range("topK")}
              <span class="hint">{t("settings.topKHint")}</span>
            </label>
            <label class="field">
              <span class="field-label">{t("settings.maxContext")}</span>
              <input class={`input ${err("maxContext")}`} type="number" min={1024} max={131072} step={1024} value={draft.maxContext} onInput={num("maxContext")} data-testid="settings-max-context" />
              {range("maxContext")}
              <span class="hint">{t("settings.maxContextHint")}</span>
            </label>
            <label class="field">
              <span class="field-label">{t("settings.firstToken")}</span>
              <input
                class={`input ${err("firstTokenSeconds")}`}
                type="number"
                min={3}
                max={300}
                value={draft.firstTokenSeconds}
                onInput={num("firstTokenSeconds")}
                data-testid="settings-first-token"
              />
              {range("firstTokenSeconds")}
              <span class="hint">{t("settings.firstTokenHint")}</span>
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
              <input class={`input ${err("chunkSize")}`} type="number" min={100} max={8000} step={50} value={draft.chunkSize} onInput={num("chunkSize")} data-testid="settings-chunk-size" />
              {range("chunkSize")}
            </label>
            <label class="field">
              <span class="field-label">{t("settings.chunkOverlap")}</span>
              <input class={`input ${err("chunkOverlap")}`} type="number" min={0} max={Math.floor(draft.chunkSize / 2)} step={10} value={draft.chunkOverlap} onInput={num("chunkOverlap")} data-testid="settings-chunk-overlap" />
              {range("chunkOverlap")}
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

      <section class="card" data-testid="settings-about">
        <div class="card-head">
          <h2>{t("settings.about")}</h2>
        </div>
        <dl class="facts">
          <dt>{t("settings.version")}</dt>
          <dd class="mono" data-testid="settings-version">{s.version}</dd>
          <dt>{t("settings.dataDir")}</dt>
          <dd class="mono" data-testid="settings-data-dir">{s.dataDir}</dd>
        </dl>
        {s.portable && <p class="hint">{t("settings.portable")}</p>}
      </section>
    </div>
  );
}

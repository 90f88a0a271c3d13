// Models: the runtime Kura talks to; getting models (every GGUF file of a
// folder in one step, one file, or a download when there is a network); the
// models Kura recommends by role with their size and the speed measured on
// this computer; the installed models and which one answers and which one
// searches.

import { useEffect, useState } from "preact/hooks";
import { isApiError, type Model, type ModelRole, type Recommendation } from "../api";
import { Icon } from "../components/Icon";
import { formatBytes } from "../format/progress";
import { locale, t } from "../i18n";
import { errorMessage } from "../i18n/errors";
import { useStores } from "../stores";
import { Jobs } from "./Library";
import { installedName, sameModel } from "../format/models";

/** A measured speed in words, or "not measured yet". */
export function speedText(role: ModelRole, speed: number, loc: string): string {
  if (!(speed > 0)) return t("models.notMeasured");
  const rate = new Intl.NumberFormat(loc, { maximumFractionDigits: speed >= 10 ? 0 : 1 }).format(speed);
  return role === "chat" ? t("models.speed.chat", { rate }) : t("models.speed.embed", { rate });
}

/** Ollama writes "unknown" where a model does not say; the page says it in the user's language. */
const known = (v: string) => (v && v.toLowerCase() !== "unknown" ? v : "");

export function ModelsView() {
  const { models, ui } = useStores();
  useEffect(() => {
    const stop = models.view();
    void models.load().catch((e) => ui.toast("error", errorMessage(e)));
    return stop;
  }, []);
  return (
    <div class="page models-view">
      <h1 class="view-title">{t("models.title")}</h1>
      <RuntimeCard />
      <GetModels />
      <Recommended />
      <Choice />
      <Installed />
    </div>
  );
}

function RuntimeCard() {
  const { models, ui } = useStores();
  const r = models.runtime.value;
  const refresh = () => void models.load().catch((e) => ui.toast("error", errorMessage(e)));
  return (
    <section class="card" data-testid="runtime-status">
      <div class="card-head">
        <h2>{t("models.runtime")}</h2>
        <button class="btn small ghost" onClick={refresh} disabled={models.loading.value}>
          <Icon name="refresh" size={14} /> {t("models.refresh")}
        </button>
      </div>
      {!r ? (
        <p class="muted">{t("common.loading")}</p>
      ) : (
        <>
          <div class="runtime-line">
            <span class={`dot ${r.reachable ? "ok" : "bad"}`} />
            <strong>{r.bundled ? t("models.bundled") : t("models.external")}</strong>
            <span class={`pill ${r.reachable ? "state-done" : "state-failed"}`} data-testid="runtime-reachable" data-reachable={String(r.reachable)}>
              {r.reachable ? t("models.reachable") : t("models.unreachable")}
            </span>
          </div>
          {!r.reachable && <div class="note error">{t("error.unreachable", { url: r.url })}</div>}
          <dl class="facts">
            <dt>{t("models.version")}</dt>
            <dd>{r.version || "–"}</dd>
            <dt>{t("models.url")}</dt>
            <dd class="mono">{r.url || "–"}</dd>
            <dt>{t("models.dir")}</dt>
            <dd class="mono">{r.modelsDir || "–"}</dd>
            <dt>{t("models.running")}</dt>
            <dd data-testid="runtime-running">
              {r.running.length === 0
                ? t("common.none")
                : r.running.map((m) => (
                    <span key={m} class="pill subtle mono">
                      {m}
                    </span>
                  ))}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}

/** Getting models: a folder of GGUF files in one step (offline), one file, or a download. */
function GetModels() {
  const { models, ui, api } = useStores();
  const [folder, setFolder] = useState("");
  const [file, setFile] = useState("");
  const [name, setName] = useState("");
  const [pull, setPull] = useState("");
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));
  const importPath = async (path: string, as: string) => {
    if (!path.trim()) return false;
    try {
      await models.importGguf(path, as);
      return true;
    } catch (e) {
      fail(e);
      return false;
    }
  };
  const chooseFolder = async () => {
    try {
      const dir = await api.ChooseFolder();
      if (dir) setFolder(dir);
    } catch (e) {
      if (!isApiError(e, "no_dialogs")) fail(e);
    }
  };
  const chooseFile = async () => {
    try {
      const files = await api.ChooseFiles();
      if (files[0]) setFile(files[0]);
    } catch (e) {
      if (!isApiError(e, "no_dialogs")) fail(e);
    }
  };
  return (
    <section class="card" data-testid="get-models">
      <div class="card-head">
        <h2>
          <Icon name="upload" size={17} /> {t("models.get")}
        </h2>
      </div>
      <div class="get-grid">
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await importPath(folder, "")) setFolder("");
          }}
        >
          <span class="field-label">{t("models.importFolder")}</span>
          <div class="path-row">
            <input class="input mono" value={folder} placeholder={t("models.importFolderPath")} onInput={(e) => setFolder(e.currentTarget.value)} data-testid="model-import-folder" spellcheck={false} />
            {api.dialogs && (
              <button class="btn" type="button" onClick={() => void chooseFolder()}>
                {t("common.choose")}
              </button>
            )}
            <button class="btn primary" type="submit" disabled={!folder.trim()} data-testid="model-import-folder-submit">
              {t("models.importFolderButton")}
            </button>
          </div>
          <p class="hint">{t("models.importFolderHint")}</p>
        </form>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await importPath(file, name)) {
              setFile("");
              setName("");
            }
          }}
        >
          <span class="field-label">{t("models.importOne")}</span>
          <div class="path-row">
            <input class="input mono" value={file} placeholder={t("models.importPath")} onInput={(e) => setFile(e.currentTarget.value)} data-testid="model-import-path" spellcheck={false} />
            {api.dialogs && (
              <button class="btn" type="button" onClick={() => void chooseFile()}>
                {t("common.choose")}
              </button>
            )}
          </div>
          <div class="path-row">
            <input class="input mono" value={name} placeholder={t("models.importName")} onInput={(e) => setName(e.currentTarget.value)} data-testid="model-import-name" spellcheck={false} />
            <button class="btn" type="submit" disabled={!file.trim()} data-testid="model-import-submit">
              {t("models.importButton")}
            </button>
          </div>
        </form>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!pull.trim()) return;
            try {
              await models.pull(pull);
              setPull("");
            } catch (err) {
              fail(err);
            }
          }}
        >
          <span class="field-label">
            <Icon name="download" size={15} /> {t("models.pull")}
          </span>
          <div class="path-row">
            <input class="input mono" value={pull} placeholder={t("models.pullPlaceholder")} onInput={(e) => setPull(e.currentTarget.value)} data-testid="model-pull-input" spellcheck={false} />
            <button class="btn" type="submit" disabled={!pull.trim()} data-testid="model-pull-submit">
              {t("models.pullButton")}
            </button>
          </div>
          <p class="hint">{t("models.pullNote")}</p>
        </form>
      </div>
      <div data-testid="model-jobs">
        <Jobs kinds={["import", "pull"]} />
      </div>
    </section>
  );
}

/** The recommended models by role: size, speed measured here, and what to do with each. */
function Recommended() {
  const { models, ui } = useStores();
  const list = models.recommendations.value;
  const loc = locale.value;
  if (list.length === 0) return null;
  const act = (f: () => Promise<unknown>) => () => void f().catch((e) => ui.toast("error", errorMessage(e)));
  const installedAs = (r: Recommendation) => models.models.value.find((m) => sameModel(m.name, r.name))?.name ?? r.name;
  return (
    <section class="card" data-testid="recommended">
      <div class="card-head">
        <h2>{t("models.recommended")}</h2>
      </div>
      <p class="hint">{t("models.recommendedHint")}</p>
      <div class="rec-roles">
        {(["chat", "embed"] as const).map((role) => (
          <div key={role} class="rec-role">
            <h3 class="section-label">{role === "chat" ? t("models.forChat") : t("models.forEmbed")}</h3>
            <ul class="rec-list">
              {list
                .filter((r) => r.role === role)
                .map((r) => (
                  <li key={r.name} class={`rec ${r.inUse ? "in-use" : ""}`} data-testid="recommendation" data-name={r.name} data-role={r.role}>
                    <div class="rec-main">
                      <span class="mono rec-name">{r.name}</span>
                      <span class={`tag ${r.trait === "default" ? "chat" : ""}`}>{t(`models.trait.${r.trait}`)}</span>
                      {r.inUse ? (
                        <span class="badge indexed">
                          <Icon name="check" size={12} /> {t("models.inUse")}
                        </span>
                      ) : r.installed ? (
                        <span class="badge">{t("models.isInstalled")}</span>
                      ) : null}
                    </div>
                    <div class="rec-facts muted">
                      {[r.parameterSize, t("models.downloadSize", { size: formatBytes(r.size, loc) })].filter(Boolean).join(" · ")}
                      {" · "}
                      <span data-testid="recommendation-speed">{speedText(r.role, r.speed, loc)}</span>
                    </div>
                    <div class="rec-actions">
                      {r.installed && !r.inUse && (
                        <button class="btn small" onClick={act(() => models.use(r.role, installedAs(r)))}>
                          {t("models.use")}
                        </button>
                      )}
                      {!r.installed && (
                        <button class="btn small ghost" onClick={act(() => models.pull(r.name))} title={t("models.pullNote")}>
                          <Icon name="download" size={14} /> {t("models.download")}
                        </button>
                      )}
                    </div>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}

function Choice() {
  const { settings, models, ui } = useStores();
  const s = settings.settings.value;
  const list = models.models.value;
  if (!s) return null;
  const chatModels = list.filter((m) => !m.embedding);
  const embedModels = list.filter((m) => m.embedding);
  const use = async (role: ModelRole, name: string) => {
    try {
      await models.use(role, name);
      ui.toast("success", t("models.saved"));
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  const options = (ms: Model[], current: string) => (
    <>
      {current && !ms.some((m) => sameModel(m.name, current)) && <option value={current}>{t("models.notInstalled", { name: current })}</option>}
      {!current && <option value="">—</option>}
      {ms.map((m) => (
        <option key={m.name} value={m.name}>
          {m.name}
          {known(m.parameterSize) ? ` (${m.parameterSize})` : ""}
        </option>
      ))}
    </>
  );
  return (
    <section class="card">
      <div class="card-head">
        <h2>{t("models.choose")}</h2>
      </div>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{t("models.chatModel")}</span>
          <select class="input" value={installedName(chatModels, s.chatModel)} onChange={(e) => void use("chat", e.currentTarget.value)} data-testid="chat-model-select">
            {options(chatModels, s.chatModel)}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t("models.embedModel")}</span>
          <select class="input" value={installedName(embedModels, s.embedModel)} onChange={(e) => void use("embed", e.currentTarget.value)} data-testid="embed-model-select">
            {options(embedModels, s.embedModel)}
          </select>
        </label>
      </div>
      <p class="hint">{t("models.embedNote")}</p>
    </section>
  );
}

function Installed() {
  const { models, settings, ui } = useStores();
  const loc = locale.value;
  const s = settings.settings.value;
  const list = models.models.value;
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const del = async (m: Model, isChat: boolean, isEmbed: boolean) => {
    const inUse = [isChat ? t("models.deleteInUseChat", { name: m.name }) : "", isEmbed ? t("models.deleteInUseEmbed", { name: m.name }) : ""].filter(Boolean);
    const ok = await ui.confirm({
      title: t("models.deleteTitle", { name: m.name }),
      body: [...inUse, t("models.deleteBody", { size: formatBytes(m.size, loc) })].join(" "),
      confirm: t("common.delete"),
    });
    if (ok) await models.remove(m.name).catch(fail);
  };
  const use = async (role: ModelRole, name: string) => {
    try {
      await models.use(role, name);
      ui.toast("success", t("models.saved"));
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section class="card">
      <div class="card-head">
        <h2>{t("models.installed")}</h2>
      </div>
      {list.length === 0 ? (
        <p class="muted">{models.loading.value ? t("common.loading") : t("models.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table models-table">
            <thead>
              <tr>
                <th>{t("models.col.name")}</th>
                <th>{t("models.col.role")}</th>
                <th class="num">{t("models.col.size")}</th>
                <th class="hide-narrow">{t("models.col.params")}</th>
                <th class="num hide-narrow">{t("models.col.context")}</th>
                <th class="hide-narrow">{t("models.col.speed")}</th>
                <th class="actions-col" />
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const isChat = s ? sameModel(s.chatModel, m.name) : m.isChatDefault;
                const isEmbed = s ? sameModel(s.embedModel, m.name) : m.isEmbedDefault;
                const details = [known(m.parameterSize), known(m.quantization)].filter(Boolean).join(" · ");
                return (
                  <tr key={m.name} data-testid="model-row" data-name={m.name}>
                    <td>
                      <div class="model-name mono">{m.name}</div>
                      <div class="model-badges">
                        {isChat && (
                          <span class="badge indexed" data-testid="model-default-chat">
                            <Icon name="check" size={12} /> {t("models.isChat")}
                          </span>
                        )}
                        {isEmbed && (
                          <span class="badge indexed" data-testid="model-default-embed">
                            <Icon name="check" size={12} /> {t("models.isEmbed")}
                          </span>
                        )}
                      </div>
                    </td>
                    <td>
                      <span class={`tag ${m.embedding ? "embed" : "chat"}`}>{m.embedding ? t("models.role.embedding") : t("models.role.chat")}</span>
                    </td>
                    <td class="num nowrap">{formatBytes(m.size, loc)}</td>
                    <td class="hide-narrow nowrap">
                      {details || t("common.unknown")}
                      {known(m.family) && <div class="muted small-text">{m.family}</div>}
                    </td>
                    <td class="num hide-narrow nowrap">{m.contextLength ? t("models.tokens", { count: m.contextLength }) : t("common.unknown")}</td>
                    <td class="hide-narrow small-text muted" data-testid="model-speed">
                      {speedText(m.embedding ? "embed" : "chat", m.speed, loc)}
                    </td>
                    <td class="actions-col">
                      <div class="row-actions always">
                        {!m.embedding && !isChat && (
                          <button class="btn small" onClick={() => void use("chat", m.name)} data-testid="model-use-chat">
                            {t("models.useChat")}
                          </button>
                        )}
                        {m.embedding && !isEmbed && (
                          <button class="btn small" onClick={() => void use("embed", m.name)} data-testid="model-use-embed">
                            {t("models.useEmbed")}
                          </button>
                        )}
                        <button class="icon-btn small" title={t("models.delete")} aria-label={t("models.delete")} onClick={() => void del(m, isChat, isEmbed)} data-testid="model-delete">
                          <Icon name="trash" size={15} />
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

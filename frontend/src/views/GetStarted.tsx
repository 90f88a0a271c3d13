// The first run, without a network: three steps shown in place of an empty
// conversation until Kura can answer. (1) Models: every GGUF file of a
// folder, such as a USB stick, imported in one step (the only chat and
// embedding models are then used without a setting to edit); downloading
// is in Models for those with a network. (2) Documents, in the Library.
// (3) Ask.

import { useState } from "preact/hooks";
import { isApiError, type Status } from "../api";
import { Icon } from "../components/Icon";
import { t } from "../i18n";
import { errorMessage } from "../i18n/errors";
import { useStores } from "../stores";
import { Jobs } from "./Library";

/** Whether the first-run steps replace the empty conversation. */
export function needsSetup(st: Status | null, documents: number): boolean {
  if (!st) return false;
  return !st.reachable || !st.chatModelInstalled || documents === 0;
}

export function GetStarted() {
  const { settings, library, models, ui, api } = useStores();
  const st = settings.status.value;
  const [folder, setFolder] = useState("");
  const modelsReady = !!st?.reachable && !!st.chatModelInstalled;
  const docs = library.documents.value.length;

  const importFolder = async (path: string) => {
    if (!path.trim()) return;
    try {
      await models.importGguf(path, "");
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  const choose = async () => {
    try {
      const dir = await api.ChooseFolder();
      if (dir) {
        setFolder(dir);
        await importFolder(dir);
      }
    } catch (e) {
      if (!isApiError(e, "no_dialogs")) ui.toast("error", errorMessage(e));
    }
  };

  return (
    <div class="get-started" data-testid="get-started">
      <h2>{t("start.title")}</h2>
      <p class="muted">{t("start.body")}</p>
      <ol class="steps">
        <li class={`step ${modelsReady ? "done" : "current"}`} data-testid="start-models" data-done={String(modelsReady)}>
          <StepHead n={1} title={t("start.models")} done={modelsReady} />
          {modelsReady ? (
            <p class="step-body" data-testid="start-models-ready">
              {st!.embedModelInstalled ? t("start.modelsReady", { chat: st!.chatModel, embed: st!.embedModel }) : t("start.modelsChatOnly", { chat: st!.chatModel })}
            </p>
          ) : !st?.reachable ? (
            <div class="step-body">
              <div class="note warn">
                <Icon name="alert" size={16} />
                <span>{t("chat.unreachableBody", { url: st?.url ?? "" })}</span>
              </div>
              <button class="btn small" onClick={() => ui.navigate({ view: "settings" })}>
                {t("chat.openSettings")}
              </button>
            </div>
          ) : (
            <div class="step-body">
              <p class="muted">{t("start.modelsBody")}</p>
              <form
                class="path-row"
                onSubmit={(e) => {
                  e.preventDefault();
                  void importFolder(folder);
                }}
              >
                <input
                  class="input mono"
                  value={folder}
                  placeholder={t("start.folderPlaceholder")}
                  aria-label={t("start.folder")}
                  onInput={(e) => setFolder(e.currentTarget.value)}
                  data-testid="start-model-folder"
                  spellcheck={false}
                />
                {api.dialogs && (
                  <button class="btn" type="button" onClick={() => void choose()}>
                    <Icon name="folder" size={15} /> {t("start.chooseFolder")}
                  </button>
                )}
                <button class="btn primary" type="submit" disabled={!folder.trim()} data-testid="start-import">
                  <Icon name="upload" size={15} /> {t("start.import")}
                </button>
              </form>
              <Jobs kinds={["import"]} />
              <button class="link-btn plain" onClick={() => ui.navigate({ view: "models" })}>
                {t("chat.openModels")}
              </button>
            </div>
          )}
        </li>
        <li class={`step ${docs > 0 ? "done" : modelsReady ? "current" : ""}`} data-testid="start-docs" data-done={String(docs > 0)}>
          <StepHead n={2} title={t("start.docs")} done={docs > 0} />
          <div class="step-body">
            {docs > 0 ? (
              <p>{t("start.docsReady", { count: docs, collection: library.current.value })}</p>
            ) : (
              <>
                <p class="muted">{t("start.docsBody")}</p>
                <button class={`btn ${modelsReady ? "primary" : ""}`} onClick={() => ui.navigate({ view: "library" })} data-testid="start-open-library">
                  <Icon name="library" size={15} /> {t("start.openLibrary")}
                </button>
              </>
            )}
          </div>
        </li>
        <li class={`step ${modelsReady && docs > 0 ? "current" : ""}`}>
          <StepHead n={3} title={t("start.ask")} done={false} />
          <p class="step-body muted">{t("start.askBody")}</p>
        </li>
      </ol>
    </div>
  );
}

function StepHead({ n, title, done }: { n: number; title: string; done: boolean }) {
  return (
    <div class="step-head">
      <span class={`step-num ${done ? "done" : ""}`} aria-label={t("start.step", { n })}>
        {done ? <Icon name="check" size={14} /> : n}
      </span>
      <strong>{title}</strong>
    </div>
  );
}

// The keyboard shortcuts: the one place they are defined (App handles
// them) and listed (the dialog, opened with ? or from the sidebar).

import { useEffect, useRef } from "preact/hooks";
import { t, type Key } from "../i18n";
import { useStores } from "../stores";
import { Icon } from "./Icon";

export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

const mod = () => (isMac() ? "⌘" : "Ctrl");

/** The shortcuts as shown: keys and what they do. */
export function shortcutList(): { keys: string[]; what: Key }[] {
  return [
    { keys: [mod(), "Shift", "O"], what: "keys.newChat" },
    { keys: [mod(), "K"], what: "keys.search" },
    { keys: ["Alt", "1–4"], what: "keys.views" },
    { keys: ["Esc"], what: "keys.stop" },
    { keys: ["Enter"], what: "keys.send" },
    { keys: ["Shift", "Enter"], what: "keys.newline" },
    { keys: ["@"], what: "keys.mention" },
    { keys: [mod(), "Shift", "E"], what: "keys.export" },
    { keys: ["?"], what: "keys.help" },
  ];
}

export function ShortcutsDialog() {
  const { ui } = useStores();
  const open = ui.shortcutsOpen.value;
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        ui.shortcutsOpen.value = false;
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [open]);
  if (!open) return null;
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && (ui.shortcutsOpen.value = false)}>
      <div class="modal shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts-dialog">
        <div class="modal-head">
          <h2 id="shortcuts-title">
            <Icon name="keyboard" /> {t("keys.title")}
          </h2>
          <button ref={closeRef} class="icon-btn" onClick={() => (ui.shortcutsOpen.value = false)} aria-label={t("common.close")}>
            <Icon name="x" />
          </button>
        </div>
        <table class="shortcut-table">
          <tbody>
            {shortcutList().map((s) => (
              <tr key={s.what}>
                <td class="nowrap">
                  {s.keys.map((k, i) => (
                    <span key={i}>
                      {i > 0 && <span class="muted"> + </span>}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </td>
                <td>{t(s.what)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

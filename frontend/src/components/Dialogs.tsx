// The confirmation dialog and the toasts, driven by the UI store.

import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { useStores } from "../stores";
import { Icon } from "./Icon";

export function ConfirmDialog() {
  const { ui } = useStores();
  const req = ui.confirmRequest.value;
  const okRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!req) return;
    okRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        req.resolve(false);
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [req]);
  if (!req) return null;
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && req.resolve(false)}>
      <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog">
        <h2 id="confirm-title">{req.title}</h2>
        {req.body && <p>{req.body}</p>}
        <div class="modal-actions">
          <button class="btn" onClick={() => req.resolve(false)} data-testid="confirm-cancel">
            {t("common.cancel")}
          </button>
          <button ref={okRef} class={`btn ${req.danger ? "danger" : "primary"}`} onClick={() => req.resolve(true)} data-testid="confirm-ok">
            {req.confirm}
          </button>
        </div>
      </div>
    </div>
  );
}

export function Toasts() {
  const { ui } = useStores();
  return (
    <div class="toasts" aria-live="polite">
      {ui.toasts.value.map((x) => (
        <div key={x.id} class={`toast ${x.kind}`} role={x.kind === "error" ? "alert" : "status"} data-testid={`toast-${x.kind}`}>
          <Icon name={x.kind === "error" ? "alert" : x.kind === "success" ? "check" : "info"} />
          <span>{x.text}</span>
          <button class="icon-btn small" onClick={() => ui.dismiss(x.id)} aria-label={t("common.dismiss")}>
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}

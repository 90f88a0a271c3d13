import { formatPercent } from "../format/progress";
import { locale } from "../i18n";

/** A progress bar; fraction null shows an indeterminate bar. */
export function ProgressBar({ fraction, paused, testid }: { fraction: number | null; paused?: boolean; testid?: string }) {
  const pct = fraction === null ? undefined : Math.round(fraction * 1000) / 10;
  return (
    <div
      class={`progress ${fraction === null ? "indeterminate" : ""} ${paused ? "paused" : ""}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-valuetext={fraction === null ? undefined : formatPercent(fraction, locale.value)}
      data-testid={testid}
    >
      <div class="progress-fill" style={fraction === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

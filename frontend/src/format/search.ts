// What a search used, in words: keywords, meaning, or both for part of the
// passages while their vectors are being computed. "Hybrid" alone was
// shown when 3% of the passages had vectors.

import type { EmbedStatus, SearchMode } from "../api";
import { t } from "../i18n";

/** How many of a collection's passages have vectors: from the live embed:progress status, else the collection's counts. */
export interface Coverage {
  done: number;
  total: number;
  /** Vectors are being computed now (or wait for an answer to finish). */
  embedding: boolean;
}

export function coverageOf(status: EmbedStatus | undefined, counts: { chunks: number; vectors: number } | undefined): Coverage | null {
  if (status && status.total > 0 && !status.rebuild) {
    return { done: status.done, total: status.total, embedding: status.state === "embedding" || status.state === "waiting" };
  }
  if (counts && counts.chunks > 0) return { done: counts.vectors, total: counts.chunks, embedding: status?.state === "embedding" || status?.state === "waiting" };
  return null;
}

/** The badge's words and tooltip for a search's mode. */
export function searchModeText(mode: SearchMode, cov: Coverage | null, loc: string): { label: string; hint: string } {
  const partial = cov !== null && cov.total > 0 && cov.done < cov.total;
  const fmt = new Intl.NumberFormat(loc);
  const counts = cov ? { done: fmt.format(cov.done), total: fmt.format(cov.total) } : { done: "0", total: "0" };
  if (mode === "hybrid" && partial) {
    // Floor, and never "0%" or "100%" while part of them have vectors.
    const pct = Math.min(99, Math.max(1, Math.floor((cov!.done / cov!.total) * 100)));
    return {
      label: t("search.hybridPart", { percent: pct }),
      hint: cov!.embedding ? t("search.hybridPartHint", counts) : t("search.hybridPartStoppedHint", counts),
    };
  }
  if (mode === "hybrid") return { label: t("search.hybrid"), hint: t("search.hybridHint") };
  if (cov?.embedding) return { label: t("search.lexical"), hint: t("search.lexicalEmbeddingHint", counts) };
  return { label: t("search.lexical"), hint: t("search.lexicalHint") };
}

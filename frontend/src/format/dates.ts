// Dates as the UI shows them, in the UI's language.

/** Unix seconds → a local date and time ("Nov 25, 2026, 3:56 PM"). */
export function formatDate(unixSeconds: number, locale = "en"): string {
  if (!(unixSeconds > 0)) return "–";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(unixSeconds * 1000));
}

/**
 * Unix seconds → the shortest useful form for a list: the time for today,
 * month and day this year, the full date before.
 */
export function formatShortDate(unixSeconds: number, locale = "en", now = new Date()): string {
  if (!(unixSeconds > 0)) return "–";
  const d = new Date(unixSeconds * 1000);
  if (d.toDateString() === now.toDateString()) return new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(d);
  if (d.getFullYear() === now.getFullYear()) return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" }).format(d);
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(d);
}

// Model names as Ollama compares them: a name without a tag means ":latest",
// and case does not matter ("bge-m3" is "bge-m3:latest"). The backend's
// library.SameModel does the same; the UI must agree with it.

function withTag(name: string): string {
  return name.includes(":") ? name : `${name}:latest`;
}

/** sameModel reports whether a and b name the same Ollama model. */
export function sameModel(a: string, b: string): boolean {
  return withTag(a).toLowerCase() === withTag(b).toLowerCase();
}

/** installedName returns the installed spelling of configured, or configured itself when none matches. */
export function installedName(installed: { name: string }[], configured: string): string {
  return installed.find((m) => sameModel(m.name, configured))?.name ?? configured;
}

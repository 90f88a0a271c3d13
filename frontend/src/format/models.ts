// Model names as Ollama compares them: a name without a tag means ":latest",
// and case does not matter ("bge-m3" is "bge-m3:latest"). The rule is the
// backend's llm.SameModel; both are tested against one table of cases
// (internal/llm/testdata/same_model.json).

function withTag(name: string): string {
  // A registry host may carry a port ("registry.local:5000/team/bge-m3"):
  // only the part after the last "/" can hold a tag.
  return name.slice(name.lastIndexOf("/") + 1).includes(":") ? name : `${name}:latest`;
}

/** sameModel reports whether a and b name the same Ollama model. */
export function sameModel(a: string, b: string): boolean {
  return withTag(a).toLowerCase() === withTag(b).toLowerCase();
}

/** installedName returns the installed spelling of configured, or configured itself when none matches. */
export function installedName(installed: { name: string }[], configured: string): string {
  return installed.find((m) => sameModel(m.name, configured))?.name ?? configured;
}

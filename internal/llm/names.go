package llm

import "strings"

// WithTag is name as Ollama resolves it: with ":latest" added when it has
// no tag. A name may start with a registry host that has a port
// ("registry.local:5000/team/bge-m3"), so only the part after the last "/"
// is looked at for a tag. Case is kept; SameModel ignores it.
func WithTag(name string) string {
	if strings.Contains(name[strings.LastIndexByte(name, '/')+1:], ":") {
		return name
	}
	return name + ":latest"
}

// SameModel reports whether two model names mean the same model, as Ollama
// compares them: "bge-m3" is "bge-m3:latest", and case does not matter.
// It is the one rule for this in Kura; the UI's sameModel
// (frontend/src/format/models.ts) follows it and is tested against the
// same table (testdata/same_model.json).
func SameModel(a, b string) bool { return strings.EqualFold(WithTag(a), WithTag(b)) }

package ollamarun

// WithDefaultURL makes o treat u as Ollama's default address, so tests
// never touch port 11434.
func WithDefaultURL(o Options, u string) Options {
	o.defaultURL = u
	return o
}

// IsLocalDefault exposes isLocalDefault to the tests.
var IsLocalDefault = isLocalDefault

// BesideKura exposes besideKura to the tests.
var BesideKura = besideKura

package ollamarun

// IsLocalDefault exposes isLocalDefault to the tests.
var IsLocalDefault = isLocalDefault

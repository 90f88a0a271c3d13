package ollamarun

// IsLocalDefault exposes isLocalDefault to the tests.
var IsLocalDefault = isLocalDefault

// BesideKura exposes besideKura to the tests.
var BesideKura = besideKura

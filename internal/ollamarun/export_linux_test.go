package ollamarun

// GroupMembers exposes groupMembers to the tests.
var GroupMembers = groupMembers

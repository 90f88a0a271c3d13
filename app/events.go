package app

// Event names, the only ones app emits. Payload types are listed in
// EventPayloads so that Wails generates their TypeScript types.
const (
	// EventJobProgress carries a Job, throttled to about 4 per second per
	// job; the final state is always sent.
	EventJobProgress = "job:progress"
	// EventJobDone carries the finished Job with its Summary.
	EventJobDone = "job:done"
	// EventAnswerSources carries AnswerSources, once per Ask, before the
	// first token: the quotes the model is about to read.
	EventAnswerSources = "answer:sources"
	// EventAnswerToken carries an AnswerToken: a piece of a streamed answer,
	// sent as the model writes it (not throttled like job:progress; about
	// 15 a second for the default model on two cores).
	EventAnswerToken = "answer:token"
	// EventAnswerDone carries an AnswerDone, once per Ask.
	EventAnswerDone = "answer:done"
	// EventFilesDropped carries FilesDropped: files dropped on the desktop
	// window (never sent in the browser, where drops carry no paths).
	EventFilesDropped = "files:dropped"
	// EventEmbedProgress carries an EmbedStatus: a collection's vectors
	// being computed (in an ingest job or in the background), at most about
	// once a second, and every change of state.
	EventEmbedProgress = "embed:progress"
)

// Emitter delivers an event to the page: runtime.EventsEmit in the desktop
// app, an SSE broadcast in `kura serve`. It must not block for long and must
// be safe for concurrent use.
type Emitter func(name string, payload any)

// AnswerToken is a piece of the answer to the Ask that returned RequestID.
type AnswerToken struct {
	RequestID      string `json:"requestId"`
	ConversationID int64  `json:"conversationId"`
	Text           string `json:"text"`
}

// AnswerSources are the quotes the model reads for the Ask that returned
// RequestID, sent before its first token. Dropped counts passages found but
// left out so that the answer starts within the first-token target;
// FreshTokens is the prompt's size the model has not read before and
// ReadingMs the expected wait for the first token: loading the model if the
// runtime does not hold it, then reading at the machine's current speed.
type AnswerSources struct {
	RequestID      string    `json:"requestId"`
	ConversationID int64     `json:"conversationId"`
	Sources        []Passage `json:"sources"`
	Dropped        int       `json:"dropped"`
	Mode           string    `json:"mode"`
	Warning        string    `json:"warning"`
	WarningCode    string    `json:"warningCode"`
	Model          string    `json:"model"`
	FreshTokens    int       `json:"freshTokens"`
	ReadingMs      int64     `json:"readingMs"`
	// Extract is the answer from the documents, shown at once while the
	// model reads: the one to three sentences that answer most directly,
	// each with where it is; n is the quote that holds it (0: none of the
	// quotes the model reads).
	Extract []Passage `json:"extract"`
}

// AnswerDone ends an Ask: Message is the saved assistant message (partial,
// with Complete false, when stopped or failed); Error is empty on success.
type AnswerDone struct {
	RequestID      string  `json:"requestId"`
	ConversationID int64   `json:"conversationId"`
	Message        Message `json:"message"`
	Error          string  `json:"error"`
}

// FilesDropped lists the absolute paths of files and folders dropped on
// the window.
type FilesDropped struct {
	Paths []string `json:"paths"`
}

// EventPayloads has one field per event, typed with its payload. It is
// never sent; EventTypes returns it so that the payload types appear in a
// bound method's signature and get generated TypeScript classes.
type EventPayloads struct {
	JobProgress   Job           `json:"jobProgress"`
	JobDone       Job           `json:"jobDone"`
	AnswerSources AnswerSources `json:"answerSources"`
	AnswerToken   AnswerToken   `json:"answerToken"`
	AnswerDone    AnswerDone    `json:"answerDone"`
	FilesDropped  FilesDropped  `json:"filesDropped"`
	EmbedProgress EmbedStatus   `json:"embedProgress"`
}

package app

// The DTOs below are the JSON shapes of docs/API.md. Their field names are
// the contract with the frontend (which imports the TypeScript classes Wails
// generates from them): change them only together with docs/API.md.

// Collection is a named set of documents searched together.
type Collection struct {
	Name       string `json:"name"`
	Documents  int    `json:"documents"`
	Chunks     int    `json:"chunks"`
	Vectors    int    `json:"vectors"`
	EmbedModel string `json:"embedModel"`
}

// Document is one indexed file. Status is "indexed", "lexical" (no vectors
// yet), "failed" (Error says why), "no_text" or "needs_ocr" (a scan or an
// image, and no OCR engine is installed: Error says how to install one).
// Error may also be set on an indexed document: the pages of a damaged PDF
// that could not be read, or pages still waiting for OCR.
type Document struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Error     string `json:"error"`
	Chunks    int    `json:"chunks"`
	Pages     int    `json:"pages"`
	Title     string `json:"title"`
	IndexedAt int64  `json:"indexedAt"` // unix seconds
}

// WatchedFolder is a folder a collection follows while Kura runs.
// LastSync is unix seconds (0: not synced yet), LastError why the last sync
// failed ("" when it did not).
type WatchedFolder struct {
	Collection string `json:"collection"`
	Path       string `json:"path"`
	Name       string `json:"name"`
	AddedAt    int64  `json:"addedAt"`
	LastSync   int64  `json:"lastSync"`
	LastError  string `json:"lastError"`
}

// Job kinds and states.
const (
	JobIngest  = "ingest"
	JobReindex = "reindex"
	JobSync    = "sync" // a watched folder brought up to date
	JobPull    = "pull"
	JobImport  = "import"

	JobRunning  = "running"
	JobPaused   = "paused"
	JobDone     = "done"
	JobFailed   = "failed"
	JobCanceled = "canceled"
)

// Job is a long task (indexing, reindexing, pulling or importing a model)
// as the UI shows it. Summary is set once the job has ended.
type Job struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Collection string `json:"collection"`
	State      string `json:"state"`
	Phase      string `json:"phase"`
	FilesDone  int    `json:"filesDone"`
	FilesTotal int    `json:"filesTotal"`
	Chunks     int    `json:"chunks"`
	Failed     int    `json:"failed"`
	ElapsedMs  int64  `json:"elapsedMs"`
	EtaMs      int64  `json:"etaMs"`
	Current    string `json:"current"`
	BytesDone  int64  `json:"bytesDone"`
	BytesTotal int64  `json:"bytesTotal"`
	// Rate is files per second while reading, passages per second while
	// embedding, bytes per second while downloading (0: not measured yet).
	Rate float64 `json:"rate"`
	// VectorsDone and VectorsTotal count the embedding phase: the
	// collection's passages with a vector, of all of them. EmbedModel is its
	// model; Rebuild is true when it replaces another model's vectors.
	VectorsDone  int    `json:"vectorsDone"`
	VectorsTotal int    `json:"vectorsTotal"`
	EmbedModel   string `json:"embedModel"`
	Rebuild      bool   `json:"rebuild"`
	// OCRPagesDone and OCRPagesTotal count the scanned pages (and images)
	// an indexing job has read by OCR and found so far.
	OCRPagesDone  int         `json:"ocrPagesDone"`
	OCRPagesTotal int         `json:"ocrPagesTotal"`
	Summary       *JobSummary `json:"summary,omitempty"`
	Error         string      `json:"error"`
}

// EmbedStatus is where a collection's embedding stands. State is
// "embedding", "waiting" (paused while an answer is written), "done",
// "failed" (Error says why), "stopped" or "off" (no embedding model).
type EmbedStatus struct {
	Collection string  `json:"collection"`
	Model      string  `json:"model"`
	State      string  `json:"state"`
	Done       int     `json:"done"`
	Total      int     `json:"total"`
	Rebuild    bool    `json:"rebuild"`
	Rate       float64 `json:"rate"`
	EtaMs      int64   `json:"etaMs"`
	ElapsedMs  int64   `json:"elapsedMs"`
	Error      string  `json:"error"`
}

// JobSummary is the outcome of a finished job.
type JobSummary struct {
	Added       int       `json:"added"`
	Updated     int       `json:"updated"`
	Unchanged   int       `json:"unchanged"`
	Removed     int       `json:"removed"`
	Chunks      int       `json:"chunks"`
	Vectors     int       `json:"vectors"`
	LexicalOnly bool      `json:"lexicalOnly"`
	Warnings    []string  `json:"warnings"`
	Failures    []Failure `json:"failures"`
}

// Failure is a file a job could not index, and why.
type Failure struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// SearchResult is what a search found; Mode is "hybrid" or "lexical"
// (Warning then says why).
type SearchResult struct {
	Mode     string    `json:"mode"`
	Warning  string    `json:"warning"`
	Passages []Passage `json:"passages"`
}

// Passage is a retrieved piece of a document. N numbers it as the model saw
// it ([n] in answers); Page is the page it starts on (0 for formats without
// pages) and EndPage the page it ends on (Page, or a later page for a
// sentence cut by a page break); Start is a code-point offset into Page's
// text and End into EndPage's; OCR is true when its text was recognised
// from a scan; Cited is true when the answer cites it.
type Passage struct {
	N       int     `json:"n"`
	Path    string  `json:"path"`
	Name    string  `json:"name"`
	Page    int     `json:"page"`
	EndPage int     `json:"endPage"`
	Start   int     `json:"start"`
	End     int     `json:"end"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	OCR     bool    `json:"ocr"`
	Cited   bool    `json:"cited"`
	// PassageStart and PassageEnd are the passage the quote [start, end)
	// was taken from (0, 0 when the quote is the passage).
	PassageStart int `json:"passageStart"`
	PassageEnd   int `json:"passageEnd"`
}

// Conversation is a saved chat over one collection. Times are unix seconds.
type Conversation struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Collection string `json:"collection"`
	CreatedAt  int64  `json:"createdAt"`
	UpdatedAt  int64  `json:"updatedAt"`
}

// Message is one turn of a conversation. An assistant message that was
// stopped or failed is saved with Complete false, its partial text and
// Error.
type Message struct {
	ID        int64     `json:"id"`
	Role      string    `json:"role"` // "user" or "assistant"
	Text      string    `json:"text"`
	Sources   []Passage `json:"sources"`
	Complete  bool      `json:"complete"`
	Error     string    `json:"error"`
	CreatedAt int64     `json:"createdAt"`
}

// Source is the stored text of one page of a document, for showing a cited
// passage in context; FileURL loads the original file (for pdf.js).
type Source struct {
	Path  string `json:"path"`
	Name  string `json:"name"`
	Page  int    `json:"page"`
	Pages int    `json:"pages"`
	Text  string `json:"text"`
	// OCR is true when Text was recognised from an image of the page
	// (a scan): it may hold recognition errors.
	OCR     bool   `json:"ocr"`
	IsPDF   bool   `json:"isPdf"`
	FileURL string `json:"fileUrl"`
}

// Runtime describes the model runtime in use.
type Runtime struct {
	Bundled   bool     `json:"bundled"`
	URL       string   `json:"url"`
	Version   string   `json:"version"`
	ModelsDir string   `json:"modelsDir"`
	Running   []string `json:"running"`
	Reachable bool     `json:"reachable"`
	Error     string   `json:"error"`
}

// Model is an installed model.
type Model struct {
	Name           string `json:"name"`
	Size           int64  `json:"size"`
	Family         string `json:"family"`
	ParameterSize  string `json:"parameterSize"`
	Quantization   string `json:"quantization"`
	ContextLength  int    `json:"contextLength"`
	Embedding      bool   `json:"embedding"`
	IsChatDefault  bool   `json:"isChatDefault"`
	IsEmbedDefault bool   `json:"isEmbedDefault"`
}

// Settings are the user's settings (config.json in the data folder).
type Settings struct {
	OllamaURL     string  `json:"ollamaUrl"`
	ChatModel     string  `json:"chatModel"`
	EmbedModel    string  `json:"embedModel"`
	TopK          int     `json:"topK"`
	LexicalWeight float64 `json:"lexicalWeight"`
	ChunkSize     int     `json:"chunkSize"`
	ChunkOverlap  int     `json:"chunkOverlap"`
	MaxContext    int     `json:"maxContext"`
	Theme         string  `json:"theme"`
	Language      string  `json:"language"`
}

// Status is what the banner needs: whether the runtime answers and whether
// the configured models are installed, with Message saying what to do.
type Status struct {
	Reachable           bool   `json:"reachable"`
	ChatModel           string `json:"chatModel"`
	ChatModelInstalled  bool   `json:"chatModelInstalled"`
	EmbedModel          string `json:"embedModel"`
	EmbedModelInstalled bool   `json:"embedModelInstalled"`
	Message             string `json:"message"`
}

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

// CollectionSettings are the settings one collection overrides: ChatModel
// "", TopK 0 and EmbedModel "" follow the global Settings. A new EmbedModel
// builds its vectors in the background while the old ones keep answering.
type CollectionSettings struct {
	ChatModel  string `json:"chatModel"`
	TopK       int    `json:"topK"`
	EmbedModel string `json:"embedModel"`
}

// Document is one indexed file. Status is "indexed", "lexical" (no vectors
// yet), "failed" (Error says why), "no_text" or "needs_ocr" (a scan or an
// image, and no OCR engine is installed: Error says how to install one).
// Error may also be set on an indexed document: the pages of a damaged PDF
// that could not be read, or pages still waiting for OCR. ErrorCode is the
// kind of failure for the page to word with its remedy (see docs/API.md:
// encrypted, no_text, needs_ocr, damaged, too_large, corrupt, unsupported,
// permission, missing, timeout; "" when none of them).
type Document struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorCode string `json:"errorCode"`
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
// as the UI shows it. Summary is set once the job has ended; Error,
// ErrorCode and ErrorParams say why a failed one failed. Model is the model
// a pull or an import is about (for a folder import: the folder's name;
// Current is the file being imported).
type Job struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Collection string `json:"collection"`
	Model      string `json:"model"`
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
	OCRPagesDone  int               `json:"ocrPagesDone"`
	OCRPagesTotal int               `json:"ocrPagesTotal"`
	Summary       *JobSummary       `json:"summary,omitempty"`
	Error         string            `json:"error"`
	ErrorCode     string            `json:"errorCode"`
	ErrorParams   map[string]string `json:"errorParams"`
}

// EmbedStatus is where a collection's embedding stands. State is
// "embedding", "waiting" (paused while an answer is written), "done",
// "failed" (Error says why), "stopped" or "off" (no embedding model).
type EmbedStatus struct {
	Collection  string            `json:"collection"`
	Model       string            `json:"model"`
	State       string            `json:"state"`
	Done        int               `json:"done"`
	Total       int               `json:"total"`
	Rebuild     bool              `json:"rebuild"`
	Rate        float64           `json:"rate"`
	EtaMs       int64             `json:"etaMs"`
	ElapsedMs   int64             `json:"elapsedMs"`
	Error       string            `json:"error"`
	ErrorCode   string            `json:"errorCode"`
	ErrorParams map[string]string `json:"errorParams"`
}

// JobSummary is the outcome of a finished job. For an indexing job,
// EmbedErrorCode and EmbedErrorParams say why vectors were not computed
// (LexicalOnly), "" and {} when they were; for a model import, Added
// counts the models installed and Models names them.
type JobSummary struct {
	Added            int               `json:"added"`
	Updated          int               `json:"updated"`
	Unchanged        int               `json:"unchanged"`
	Removed          int               `json:"removed"`
	Chunks           int               `json:"chunks"`
	Vectors          int               `json:"vectors"`
	LexicalOnly      bool              `json:"lexicalOnly"`
	EmbedErrorCode   string            `json:"embedErrorCode"`
	EmbedErrorParams map[string]string `json:"embedErrorParams"`
	Models           []ImportedModel   `json:"models"`
	Warnings         []string          `json:"warnings"`
	Failures         []Failure         `json:"failures"`
}

// ImportedModel is a model a folder or file import installed: its role
// ("chat" or "embed") and whether it became the model of that role.
type ImportedModel struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	Chosen bool   `json:"chosen"`
}

// Failure is a file a job could not index (or a model file it could not
// import), and why: Code is the kind of failure (as Document.ErrorCode, or
// an error code for an import), "" when unknown.
type Failure struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	Code   string `json:"code"`
}

// SearchResult is what a search found; Mode is "hybrid" or "lexical"
// (Warning then says why, and WarningCode is "no_vectors" or
// "embed_failed" for the page to word).
type SearchResult struct {
	Mode        string    `json:"mode"`
	Warning     string    `json:"warning"`
	WarningCode string    `json:"warningCode"`
	Passages    []Passage `json:"passages"`
}

// Passage is a retrieved piece of a document. N numbers it as the model saw
// it ([n] in answers); Page is the page it starts on (0 for formats without
// pages) and EndPage the page it ends on (Page, or a later page for a
// sentence cut by a page break); Start is a code-point offset into Page's
// text and End into EndPage's; OCR is true when its text was recognised
// from a scan; Cited is true when the answer cites it. Paged says what Page
// counts: true for pages ("p. 3"), false for the sections of a long text
// of a format without pages ("§ 3"); see extract.Format.Paged.
type Passage struct {
	N       int     `json:"n"`
	Path    string  `json:"path"`
	Name    string  `json:"name"`
	Page    int     `json:"page"`
	EndPage int     `json:"endPage"`
	Paged   bool    `json:"paged"`
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
	// Hash is the content hash of the passage's file: the same file under
	// two paths has one Hash, so the page lists its page once ("" in
	// answers saved before it was kept).
	Hash string `json:"hash"`
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
// Error (with ErrorCode and ErrorParams for the page to word). A user
// message's Sources are the documents and folders the question was
// restricted to (only Path and Name set), none when it was not.
type Message struct {
	ID          int64             `json:"id"`
	Role        string            `json:"role"` // "user" or "assistant"
	Text        string            `json:"text"`
	Sources     []Passage         `json:"sources"`
	Complete    bool              `json:"complete"`
	Error       string            `json:"error"`
	ErrorCode   string            `json:"errorCode"`
	ErrorParams map[string]string `json:"errorParams"`
	CreatedAt   int64             `json:"createdAt"`
	// FromDocuments: no chat model could answer (Error and ErrorCode say
	// why), so the answer is the documents' own sentences, each cited.
	FromDocuments bool `json:"fromDocuments"`
	// Check is an answer's sentences judged against its quotes; null for
	// questions and for answers saved before checks.
	Check *AnswerCheck `json:"check"`
}

// AnswerCheck is how much of an answer its quotes support: Supported of
// Judged sentences were found in the sources.
type AnswerCheck struct {
	Sentences []SentenceCheck `json:"sentences"`
	Judged    int             `json:"judged"`
	Supported int             `json:"supported"`
}

// SentenceCheck is one sentence of an answer and its verdict: "supported",
// "partly", "unsupported", or "" when it is too short to judge. Quotes are
// the quotes that support it best (the one to open when it is clicked);
// NumbersMissing the numbers no quote holds; MissingQuotes citations of
// quotes that were not given; Suggest a quote that supports it when the one
// it cites does not (0: none).
type SentenceCheck struct {
	Text           string   `json:"text"`
	Verdict        string   `json:"verdict"`
	Cited          []int    `json:"cited"`
	Quotes         []int    `json:"quotes"`
	NumbersMissing []string `json:"numbersMissing"`
	MissingQuotes  []int    `json:"missingQuotes"`
	Suggest        int      `json:"suggest"`
}

// Source is the stored text of one page of a document, for showing a cited
// passage in context; FileURL loads the original file (for pdf.js). Paged
// is as in Passage.
type Source struct {
	Path  string `json:"path"`
	Name  string `json:"name"`
	Page  int    `json:"page"`
	Paged bool   `json:"paged"`
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

// Model is an installed model. Speed is what this machine measured: a
// chat model's reading speed in prompt tokens per second, an embedding
// model's passages per second; 0 when not measured yet.
type Model struct {
	Name           string  `json:"name"`
	Size           int64   `json:"size"`
	Family         string  `json:"family"`
	ParameterSize  string  `json:"parameterSize"`
	Quantization   string  `json:"quantization"`
	ContextLength  int     `json:"contextLength"`
	Embedding      bool    `json:"embedding"`
	IsChatDefault  bool    `json:"isChatDefault"`
	IsEmbedDefault bool    `json:"isEmbedDefault"`
	Speed          float64 `json:"speed"`
}

// Recommendation is a model Kura suggests for a role ("chat" or
// "embed"), with its download size, whether it is installed and in use,
// and its speed on this machine as Model.Speed (0: not measured yet).
// Trait is "default", "stronger" or "multilingual".
type Recommendation struct {
	Role          string `json:"role"`
	Name          string `json:"name"`
	Size          int64  `json:"size"`
	ParameterSize string `json:"parameterSize"`
	Trait         string `json:"trait"`
	Installed     bool   `json:"installed"`
	// InstalledAs is the installed model's name: Name, or another for the
	// same weights (imported from a file); "" when not installed.
	InstalledAs string  `json:"installedAs"`
	InUse       bool    `json:"inUse"`
	Speed       float64 `json:"speed"`
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
	// FirstTokenSeconds is how long an answer may take to start: the
	// prompt is sized to what the chat model reads in that time here.
	FirstTokenSeconds int    `json:"firstTokenSeconds"`
	Theme             string `json:"theme"`
	Language          string `json:"language"`
	// Version is Kura's version; read-only (SaveSettings ignores it).
	Version string `json:"version"`
	// DataDir is the folder Kura keeps its data in, and Portable whether it
	// is the kura-data folder beside the executable; read-only.
	DataDir  string `json:"dataDir"`
	Portable bool   `json:"portable"`
}

// Status is what the banner needs: whether the runtime at URL answers and
// whether the configured models are installed, with Message saying what to
// do (the page words it from the other fields).
type Status struct {
	Reachable           bool   `json:"reachable"`
	URL                 string `json:"url"`
	ChatModel           string `json:"chatModel"`
	ChatModelInstalled  bool   `json:"chatModelInstalled"`
	EmbedModel          string `json:"embedModel"`
	EmbedModelInstalled bool   `json:"embedModelInstalled"`
	Message             string `json:"message"`
}

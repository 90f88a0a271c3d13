// Package pack is Kura's knowledge-pack format: one sealed file that carries
// a collection from one Kura to another (an office machine that read and
// embedded the documents, a field laptop that only searches them). It holds
// the documents' text, pages and passages with their offsets, the vectors
// with their model's name and dimension, the collection's settings, and
// optionally the source files and the GGUF files of the models.
//
// A pack is written and read as a stream: nothing in it is held in memory
// beyond one record (a page of text, a passage, a vector, or a megabyte of a
// file), so a pack of several gigabytes costs a few megabytes to make or
// read.
//
// Sealing is age's (filippo.io/age): a passphrase (scrypt) or the public
// keys of the people who may open it (X25519, or age's post-quantum hybrid
// keys). age authenticates every 64 KiB of the stream and marks the last
// one, so a pack that was cut short or altered fails when the damaged part
// is read; a reader reports it as ErrDamaged. A reader hands out records as
// they arrive: callers must keep what they do with them undoable until Next
// returns io.EOF, which it does only after the whole pack has been
// authenticated and its end record matched every count (the library imports
// inside one transaction for that reason).
//
// The layout, and how a later Kura keeps reading today's packs, is in
// docs/PACK.md. In short: a plain first line "kura-pack N" names the format
// version N; a reader refuses a version above its own by name
// (ErrNewerFormat) before asking for any key. Inside, records are framed as
// a type byte and a length; their bodies are JSON objects (new fields are
// ignored by older readers, missing ones take zero values) or raw bytes. A
// record type in upper case must be understood, one in lower case may be
// skipped, so a later version can add optional records without raising N.
package pack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// FormatVersion is the format this package writes and the newest it reads.
// It rises only for a change an older reader could not skip; packs of
// every version up to it are read.
const FormatVersion = 1

// Magic starts every pack, followed by a space, the format version and a
// newline.
const Magic = "kura-pack"

// Extension is the customary file name extension of a pack.
const Extension = ".kpack"

// Errors a caller branches on; each is wrapped with detail.
var (
	// ErrNotAPack: the file does not start like a pack.
	ErrNotAPack = errors.New("not a Kura pack")
	// ErrNewerFormat: the pack was made by a newer Kura whose format this
	// one cannot read.
	ErrNewerFormat = errors.New("the pack was made by a newer version of Kura")
	// ErrWrongPassphrase: the passphrase does not open the pack.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNoKey: the pack is sealed for other keys than those given (or for
	// keys when a passphrase was given, and the other way round).
	ErrNoKey = errors.New("the pack is not sealed for this key")
	// ErrDamaged: the pack was cut short or altered after it was made, or
	// its content breaks the format.
	ErrDamaged = errors.New("the pack is damaged: it was cut short or altered after it was made")
	// ErrUnsafe: the pack holds something this Kura refuses to use,
	// whoever made it: a name that would reach outside its folder (see
	// CheckName), a record over its size limit, a passphrase work factor
	// over MaxWorkFactor, a vector that is not a number.
	ErrUnsafe = errors.New("the pack holds what Kura refuses to use")
)

// Record types. Upper case: a reader that does not know the type refuses
// the pack; lower case: it skips the record.
const (
	typeManifest = 'M'
	typeModel    = 'L' // a model's header; 'B' records with its bytes follow
	typeFile     = 'F' // a source file's header; 'B' records follow
	typeBytes    = 'B'
	typeDocument = 'D'
	typePage     = 'P'
	typeChunk    = 'C'
	typeVector   = 'V'
	typeEnd      = 'Z'
)

// Limits a reader enforces on each record's length before it reads the
// record into memory, so that a damaged or hostile pack costs bounded
// memory; a writer refuses to make a record a reader would refuse.
const (
	// maxRecord bounds the records that are not bounded below (the
	// manifest, a model's or file's header, a document, the end).
	maxRecord = 1 << 20
	// MaxPageRecord bounds a page: Kura holds at most 32 MiB of text in
	// one page (extract's limit), with room for JSON's escapes.
	MaxPageRecord = 48 << 20
	// MaxChunkRecord bounds a passage: a passage is at most 8,000
	// characters (the largest chunk size), so this is room to spare.
	MaxChunkRecord = 1 << 20
	// maxSkipped bounds an optional record of a later version, which is
	// skipped as it is read, never held.
	maxSkipped = 256 << 20
	// bytesRecord is the size of the 'B' records a writer makes.
	bytesRecord = 1 << 20
	// maxDim bounds a vector's dimension.
	maxDim = 1 << 16
)

// recordLimit is the longest record of type t a reader accepts.
func recordLimit(t byte) int {
	switch t {
	case typePage:
		return MaxPageRecord
	case typeChunk:
		return MaxChunkRecord
	case typeVector:
		return binary.MaxVarintLen64 + 4*maxDim
	case typeBytes:
		return bytesRecord
	}
	if t >= 'a' && t <= 'z' {
		return maxSkipped
	}
	return maxRecord
}

// recordName names a record type for messages.
func recordName(t byte) string {
	switch t {
	case typeManifest:
		return "the manifest"
	case typeModel:
		return "a model's header"
	case typeFile:
		return "a file's header"
	case typeDocument:
		return "a document"
	case typePage:
		return "a page"
	case typeChunk:
		return "a passage"
	case typeVector:
		return "a vector"
	case typeEnd:
		return "the end record"
	}
	return fmt.Sprintf("a record of type %q", t)
}

// Manifest is the first record: what the pack holds, for a reader to check
// and to show progress against.
type Manifest struct {
	// Format is the format version; it must equal the version on the
	// pack's first line (which is outside the seal, this copy is inside).
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Kura names the program that made the pack, for people.
	Kura       string     `json:"kura,omitempty"`
	Collection Collection `json:"collection"`
	// Vectors describes the vectors the pack carries; nil when none.
	Vectors *VectorSet `json:"vectors,omitempty"`
	Counts  Counts     `json:"counts"`
}

// Collection is a collection's name and settings.
type Collection struct {
	Name string `json:"name"`
	// EmbedModel is the collection's own choice of embedding model (""
	// followed the sender's global setting).
	EmbedModel string `json:"embed_model,omitempty"`
	// ChunkSize and ChunkOverlap are the sender's settings the passages
	// were cut with, for a receiver that re-reads the files.
	ChunkSize    int `json:"chunk_size,omitempty"`
	ChunkOverlap int `json:"chunk_overlap,omitempty"`
	// ChatModel is the model that answered in the collection (its own,
	// else the sender's configured one), carried with --with-models.
	ChatModel string `json:"chat_model,omitempty"`
	// TopK is the collection's own number of passages per answer (0: it
	// followed the sender's configuration).
	TopK int `json:"top_k,omitempty"`
}

// VectorSet names the model the vectors came from and their length. A
// receiver queries them with the same model.
type VectorSet struct {
	Model string `json:"model"`
	Dim   int    `json:"dim"`
}

// Counts are the records of each kind a pack holds (and the bytes of files
// and models); the end record repeats them and a reader checks both.
type Counts struct {
	Models     int   `json:"models"`
	ModelBytes int64 `json:"model_bytes"`
	Files      int   `json:"files"`
	FileBytes  int64 `json:"file_bytes"`
	Documents  int   `json:"documents"`
	Pages      int   `json:"pages"`
	Chunks     int   `json:"chunks"`
	Vectors    int   `json:"vectors"`
}

// Model is the header of a model's weights: a GGUF file and what its
// runtime needs besides to run it as the sender did.
type Model struct {
	Name string `json:"name"`
	// Role is "chat" or "embedding".
	Role string `json:"role"`
	// Digest is the GGUF file's SHA-256 as "sha256:<hex>" (as Ollama names
	// blobs); Size its length in bytes.
	Digest     string         `json:"digest"`
	Size       int64          `json:"size"`
	Template   string         `json:"template,omitempty"`
	System     string         `json:"system,omitempty"`
	License    string         `json:"license,omitempty"`
	Parameters map[string]any `json:"parameters,omitempty"`
	Renderer   string         `json:"renderer,omitempty"`
	Parser     string         `json:"parser,omitempty"`
}

// File is the header of a document's source file. Path is where it goes
// below the receiver's folder for the collection's files: slash-separated,
// relative, without "." or ".." elements (checked by ValidPath).
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// SHA256 is the content's hash in hex, as documents record it.
	SHA256 string `json:"sha256"`
}

// Document is an indexed file. ID numbers documents 1, 2, ... in the pack;
// pages and chunks refer to it.
type Document struct {
	ID int64 `json:"id"`
	// Path is the file's path on the sender's machine.
	Path string `json:"path"`
	// File is the File.Path of its source file in the pack, "" when the
	// file was not carried.
	File      string `json:"file,omitempty"`
	Hash      string `json:"hash"`
	Size      int64  `json:"size"`
	ModTime   int64  `json:"mtime"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	Title     string `json:"title,omitempty"`
	Pages     int    `json:"pages"`
	IndexedAt int64  `json:"indexed_at"`
}

// Page is the text of one page of a document.
type Page struct {
	Doc  int64  `json:"doc"`
	Page int    `json:"page"`
	Text string `json:"text"`
	// OCR is set when the page's text was recognised by OCR (format
	// version 1 packs written before this field leave it out).
	OCR bool `json:"ocr,omitempty"`
}

// Chunk is a passage. ID numbers chunks 1, 2, ... in the pack, in the
// order the sender stored them (their ranking ties break the same way);
// Start and End are code-point offsets into the page's text.
type Chunk struct {
	ID    int64  `json:"id"`
	Doc   int64  `json:"doc"`
	Page  int    `json:"page"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	// EndPage is the page a passage across a page break ends on (absent:
	// Page).
	EndPage int `json:"end_page,omitempty"`
}

// Vector is the embedding of chunk Chunk, of the manifest's dimension.
type Vector struct {
	Chunk int64
	Vec   []float32
}

// end is the last record.
type end struct {
	Counts Counts `json:"counts"`
}

// ValidRole reports whether r is a model role a pack may carry.
func ValidRole(r string) bool { return r == RoleChat || r == RoleEmbedding }

// Model roles.
const (
	RoleChat      = "chat"
	RoleEmbedding = "embedding"
)

func damaged(format string, args ...any) error {
	return fmt.Errorf("%w (%s)", ErrDamaged, fmt.Sprintf(format, args...))
}

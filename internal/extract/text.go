package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"unicode/utf16"
	"unicode/utf8"
)

// extractText reads a plain-text or Markdown file. Markdown is kept as
// written: its markup is short and carries meaning (headings, lists).
func extractText(_ context.Context, path string, _ Options) (Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Document{}, fmt.Errorf("text: %w", err)
	}
	s, err := decodeText(data)
	if err != nil {
		return Document{}, fmt.Errorf("text: %w", err)
	}
	return Document{Pages: []Page{{Text: s}}}, nil
}

// decodeText turns the bytes of a text file into a string. UTF-16 needs a
// byte-order mark; otherwise the data must be valid UTF-8 (a UTF-8 BOM is
// dropped) without NUL bytes, else it is taken for a binary file and fails
// with ErrCorrupt.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data[2:], binary.BigEndian)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return "", fmt.Errorf("not a text file (binary or not UTF-8): %w", ErrCorrupt)
	}
	return string(data), nil
}

func decodeUTF16(data []byte, order binary.ByteOrder) (string, error) {
	if len(data)%2 != 0 {
		return "", fmt.Errorf("not a text file (odd length for UTF-16): %w", ErrCorrupt)
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = order.Uint16(data[2*i:])
		if units[i] == 0 {
			return "", fmt.Errorf("not a text file (NUL in UTF-16): %w", ErrCorrupt)
		}
	}
	return string(utf16.Decode(units)), nil
}

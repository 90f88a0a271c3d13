package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/kura-app/kura/internal/ctxio"
)

// streamText reads a plain-text or Markdown file as a stream, in sections
// when it is long (see sectioner). Markdown is kept as written: its markup
// is short and carries meaning (headings, lists).
func streamText(ctx context.Context, path string, opts Options, emit func(Page) error) (string, error) {
	r, closeFn, err := openText(ctx, path)
	if err != nil {
		return "", fmt.Errorf("text: %w", err)
	}
	defer closeFn()
	sec := newSectioner(opts.SectionBytes, emit)
	buf := make([]byte, 64<<10)
	for first := true; ; first = false {
		if err := checkpoint(ctx); err != nil {
			return "", err
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if first && tooManyControls(string(buf[:n])) {
				return "", fmt.Errorf("text: not a text file (binary): %w", ErrCorrupt)
			}
			if werr := sec.WriteString(string(buf[:n])); werr != nil {
				return "", werr
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("text: %w", err)
		}
	}
	return "", sec.Close()
}

// openText opens a text file and returns a reader of its text in UTF-8,
// decoded from the encoding it is in (see charset.go). It reads the file
// once first, to find NUL bytes (binary) and whether it is valid UTF-8
// throughout; that pass holds no more than a sample in memory.
func openText(ctx context.Context, path string) (io.Reader, func(), error) {
	f, _, err := OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (io.Reader, func(), error) {
		f.Close()
		return nil, nil, err
	}
	src := ctxio.NewReader(ctx, f)
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(src, head)
	head = head[:n]
	dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	utf16 := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
	if order, ok := utf16Order(head); !utf16 && ok {
		dec, utf16 = unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder(), true
	}
	switch {
	case utf16:
		size, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return fail(err)
		}
		if size%2 != 0 {
			return fail(fmt.Errorf("not a text file (odd length for UTF-16): %w", ErrCorrupt))
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(err)
		}
		return transform.NewReader(src, dec), func() { f.Close() }, nil
	}
	skip := int64(0)
	if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		skip = 3
	}
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		return fail(err)
	}
	valid, sample, err := scanText(ctx, src)
	if err != nil {
		return fail(err)
	}
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		return fail(err)
	}
	if valid {
		return src, func() { f.Close() }, nil
	}
	enc, _, ok := detectLegacy(sample)
	if !ok {
		return fail(errNotText)
	}
	return transform.NewReader(src, enc.NewDecoder()), func() { f.Close() }, nil
}

// errNotText is a file no encoding reads as text (see readsAsText).
var errNotText = fmt.Errorf("not a text file (binary: no encoding reads it as text): %w", ErrCorrupt)

// scanText reads r to its end and reports whether it is valid UTF-8. A NUL
// byte fails it as binary. sample is a piece to detect a legacy encoding
// on: the start of the file, or from the line where invalid UTF-8 first
// shows when that is far in.
func scanText(ctx context.Context, r io.Reader) (valid bool, sample []byte, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	valid = true
	var (
		carry  []byte // an incomplete UTF-8 sequence at the end of a block
		offset int64
		block  = make([]byte, 1<<20)
	)
	for {
		if err := checkpoint(ctx); err != nil {
			return false, nil, err
		}
		n, rerr := io.ReadFull(br, block)
		b := block[:n]
		if bytes.IndexByte(b, 0) >= 0 {
			return false, nil, fmt.Errorf("not a text file (binary): %w", ErrCorrupt)
		}
		if offset == 0 {
			sample = append(sample, b[:min(len(b), sampleBytes)]...)
		}
		if valid {
			chunk := append(carry, b...)
			end := len(chunk)
			// Leave an incomplete sequence at the end for the next block.
			for i := 1; i <= utf8.UTFMax && i <= len(chunk); i++ {
				if utf8.RuneStart(chunk[len(chunk)-i]) {
					if !utf8.FullRune(chunk[len(chunk)-i:]) {
						end = len(chunk) - i
					}
					break
				}
			}
			if !utf8.Valid(chunk[:end]) {
				valid = false
				if offset > sampleBytes {
					// Detect on the text around the first invalid byte.
					at := firstInvalid(chunk[:end])
					from := bytes.LastIndexByte(chunk[:at], '\n') + 1
					sample = append(sample[:0], chunk[from:min(len(chunk), from+sampleBytes)]...)
				}
			}
			carry = append(carry[:0], chunk[end:]...)
		}
		offset += int64(n)
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return false, nil, rerr
		}
	}
	if len(carry) > 0 {
		valid = false
	}
	return valid, sample, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// readMarkup reads a whole HTML file of at most maxMarkupBytes.
func readMarkup(ctx context.Context, path string) ([]byte, error) {
	f, info, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > maxMarkupBytes {
		return nil, fmt.Errorf("file is %s, the limit for markup parsed whole is %s: %w", formatSize(info.Size()), formatSize(maxMarkupBytes), ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(ctxio.NewReader(ctx, f), maxMarkupBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMarkupBytes {
		return nil, fmt.Errorf("file grew past %s while read: %w", formatSize(maxMarkupBytes), ErrTooLarge)
	}
	return data, nil
}

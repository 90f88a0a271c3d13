// Package ctxio stops long reads when their context ends: hashing,
// extracting or copying a file of gigabytes checks the context between
// reads instead of running to the end.
package ctxio

import (
	"context"
	"io"
)

// NewReader returns a reader of r that fails with ctx's error once ctx is
// done.
func NewReader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

package release

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

// ScaleIcon writes the square PNG at in, scaled down to size×size by
// averaging blocks of pixels, to out: the icon theme wants each size in
// its own folder, and the build has only the 1024-pixel build/appicon.png.
// The source's side must be a multiple of size.
func ScaleIcon(in, out string, size int) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("icon %s: %w", in, err)
	}
	b := src.Bounds()
	if size <= 0 || b.Dx() != b.Dy() || b.Dx()%size != 0 {
		return fmt.Errorf("icon %s: %dx%d does not scale to %d", in, b.Dx(), b.Dy(), size)
	}
	k := b.Dx() / size
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			var r, g, bl, a uint64
			for dy := range k {
				for dx := range k {
					c := color.NRGBA64Model.Convert(src.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy)).(color.NRGBA64)
					// Premultiply, so transparent pixels do not darken edges.
					r += uint64(c.R) * uint64(c.A)
					g += uint64(c.G) * uint64(c.A)
					bl += uint64(c.B) * uint64(c.A)
					a += uint64(c.A)
				}
			}
			px := color.NRGBA{}
			if a > 0 {
				px = color.NRGBA{R: uint8(r / a >> 8), G: uint8(g / a >> 8), B: uint8(bl / a >> 8), A: uint8(a / uint64(k*k) >> 8)}
			}
			dst.SetNRGBA(x, y, px)
		}
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(o, dst); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

package signage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG
	"io"
)

// Upload limits. A 4K screen is 3840×2160 (8.3 megapixels); twice that
// leaves room for cropping without letting one image take the memory of a
// screen that decodes it.
const (
	MaxUploadBytes = 20 << 20
	MaxPixels      = 4096 * 4096
	MaxSide        = 8192
	// bombRatio is the most pixels per stored byte an honest image has:
	// photographs are 2–20, flat graphics a few hundred at most, while a
	// decompression bomb packs thousands.
	bombRatio = 1000
)

// The refusals of an upload, each with its own message.
var (
	ErrNotImage  = errors.New("the file is not a PNG or JPEG image (its content is checked, not its name)")
	ErrTooLarge  = fmt.Errorf("the file is larger than %d MB", MaxUploadBytes>>20)
	ErrTooBig    = fmt.Errorf("the image has more pixels than a screen can use (at most %d×%d, %d megapixels)", MaxSide, MaxSide, MaxPixels/1_000_000)
	ErrBomb      = errors.New("the image is a decompression bomb: it unpacks to far more pixels than its file size allows; export it again at screen size")
	ErrCorrupted = errors.New("the image is damaged and cannot be decoded; export it again")
)

// Image is an upload that passed the checks.
type Image struct {
	Data          []byte
	SHA256        string
	Format        string // png | jpeg
	Width, Height int
}

// CheckImage reads at most MaxUploadBytes from r and checks by content
// that it is a PNG or JPEG within the limits, decoding it fully only once
// its header has shown the pixels to be bounded.
func CheckImage(r io.Reader) (Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		return Image{}, fmt.Errorf("signage: read upload: %w", err)
	}
	if len(data) > MaxUploadBytes {
		return Image{}, ErrTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return Image{}, ErrNotImage
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Image{}, ErrCorrupted
	}
	if pixels > MaxPixels || cfg.Width > MaxSide || cfg.Height > MaxSide {
		if pixels/int64(len(data)) > bombRatio {
			return Image{}, ErrBomb
		}
		return Image{}, ErrTooBig
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return Image{}, ErrCorrupted
	}
	sum := sha256.Sum256(data)
	return Image{Data: data, SHA256: hex.EncodeToString(sum[:]), Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}

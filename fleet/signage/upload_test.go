package signage

import (
	"bytes"
	"errors"
	"testing"

	"piste/fleet/signage/signagetest"
)

func TestCheckImage(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"png", signagetest.PNG(64, 36), nil},
		{"jpeg", signagetest.NoisyJPEG(64, 36), nil},
		{"text named .png", []byte("hello, I am not an image"), ErrNotImage},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ErrNotImage},
		{"over the byte limit", append(signagetest.PNG(8, 8), make([]byte, MaxUploadBytes)...), ErrTooLarge},
		{"honest but too many pixels", signagetest.BigJPEG(4500, 4000, 200_000), ErrTooBig},
		{"one side too long", signagetest.BigJPEG(9000, 100, 200_000), ErrTooBig},
		{"decompression bomb", signagetest.Bomb(10000, 10000), ErrBomb},
		{"truncated png", signagetest.PNG(64, 36)[:100], ErrCorrupted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := CheckImage(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err == nil && (img.Width != 64 || len(img.SHA256) != 64) {
				t.Errorf("checked image %dx%d sha %q", img.Width, img.Height, img.SHA256)
			}
		})
	}
	msgs := map[string]bool{}
	for _, e := range []error{ErrNotImage, ErrTooLarge, ErrTooBig, ErrBomb, ErrCorrupted} {
		msgs[e.Error()] = true
	}
	if len(msgs) != 5 {
		t.Error("two refusals share a message")
	}
}

func TestContrast(t *testing.T) {
	cases := []struct {
		fg, bg string
		min    float64
		max    float64
	}{
		{"#000000", "#ffffff", 20.9, 21.1},
		{"#ffffff", "#003a70", 11, 13},
		{"#777777", "#ffffff", 4.4, 4.5}, // just below AA
		{"#767676", "#ffffff", 4.54, 4.6},
	}
	for _, tc := range cases {
		got, err := Contrast(tc.fg, tc.bg)
		if err != nil || got < tc.min || got > tc.max {
			t.Errorf("contrast(%s, %s) = %.3f, %v; want %.2f..%.2f", tc.fg, tc.bg, got, err, tc.min, tc.max)
		}
	}
	if _, err := Contrast("red", "#ffffff"); err == nil {
		t.Error("a named colour was accepted")
	}
}

func FuzzCheckImage(f *testing.F) {
	f.Add(signagetest.PNG(4, 4))
	f.Add(signagetest.NoisyJPEG(4, 4))
	f.Add(signagetest.Bomb(100, 100))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := CheckImage(bytes.NewReader(data))
		if err == nil && (img.Width*img.Height > MaxPixels || img.Width <= 0) {
			t.Fatalf("accepted %dx%d", img.Width, img.Height)
		}
	})
}

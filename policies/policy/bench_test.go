package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkParse parses the Kallio branch example, the size of a typical
// layer the fleet parses when an admin saves it.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "examples", "branch-kallio.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolve merges three parsed layers and validates the result, the
// fleet's work per terminal when a layer changes.
func BenchmarkResolve(b *testing.B) {
	var layers []Layer
	for _, name := range []string{"fleet.yaml", "branch-kallio.yaml", "terminal-quick-pc.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			b.Fatal(err)
		}
		l, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		layers = append(layers, l)
	}
	for b.Loop() {
		if _, err := Resolve(layers...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClosingAfter(b *testing.B) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, helsinki)
	for name, yaml := range map[string]string{
		"kallio": kallioHours,
		// Open round the clock: the search runs to the end of its look-ahead.
		"always open": "hours: {timezone: Europe/Helsinki}",
	} {
		l, err := Parse([]byte(yaml))
		if err != nil {
			b.Fatal(err)
		}
		h := Merge(l).Hours
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				h.ClosingAfter(at)
			}
		})
	}
}

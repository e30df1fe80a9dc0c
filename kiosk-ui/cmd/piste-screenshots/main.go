// Command piste-screenshots renders every kiosk screen in every language at
// 100 % and 200 % text into PNG files, through the kiosk's own UI with
// fyne's software test driver, so it needs no display:
// docs/screenshots/<screen>-<lang>-<scale>[-contrast].png.
package main

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/internal/shots"
)

func main() {
	out := flag.String("out", "docs/screenshots", "directory for the PNG files")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "piste-screenshots:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	if err := playerShots(out); err != nil {
		return err
	}
	for _, s := range shots.All() {
		for _, lang := range i18n.Languages {
			for _, scale := range []int{100, 200} {
				st := s.Status(lang)
				st.Accessibility = localapi.Accessibility{TextScale: scale}
				if err := write(filepath.Join(out, fmt.Sprintf("%s-%s-%d.png", s.Name, lang, scale)), st); err != nil {
					return err
				}
			}
		}
		// High contrast in Finnish at both sizes is enough to review the colours.
		for _, scale := range []int{100, 200} {
			st := s.Status("fi")
			st.Accessibility = localapi.Accessibility{TextScale: scale, HighContrast: true}
			if err := write(filepath.Join(out, fmt.Sprintf("%s-fi-%d-contrast.png", s.Name, scale)), st); err != nil {
				return err
			}
		}
	}
	return nil
}

func write(path string, st localapi.Status) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	if err := png.Encode(f, shots.Render(st, shots.Display)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

package signage

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// SaveScreenshot keeps the latest screenshot a screen sent, replacing the
// one before. It must be a PNG of sane size: it is shown to admins.
func (s *Service) SaveScreenshot(terminalID string, png []byte) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || format != "png" || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return fault.Field("body", "a screenshot must be a PNG of at most %d×%d pixels", MaxSide, MaxSide)
	}
	dir := filepath.Join(filepath.Dir(s.Dir), "screenshots")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".shot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(png); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, terminalID+".png"))
}

// ScreenshotPath returns the latest screenshot of a screen the member sees.
func (s *Service) ScreenshotPath(ctx context.Context, m staff.Member, terminalID string) (string, error) {
	if err := m.Need(staff.RoleAdmin); err != nil {
		return "", err
	}
	t, err := s.Store.Terminal(ctx, terminalID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.CanSee(t.Branch) {
		return "", fault.NotFound("terminal %q not found", terminalID)
	}
	if err != nil {
		return "", err
	}
	path := filepath.Join(filepath.Dir(s.Dir), "screenshots", t.ID+".png")
	if _, err := os.Stat(path); err != nil {
		return "", fault.NotFound("no screenshot of %s yet: send it the screenshot command", terminalID)
	}
	return path, nil
}

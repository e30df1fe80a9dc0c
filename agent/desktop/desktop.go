// Package desktop carries the visitor's accessibility choices (text size,
// high contrast, magnifier, screen reader) from the kiosk's session bar to
// the visitor's own desktop session, and takes them away again when the
// session ends.
//
// The agent does not reach into the visitor's running programs itself: it
// writes the choices as three small files that the visitor's X session
// (installers) reads at start and re-reads when they change, and which a
// session script can apply at once with gsettings/xrdb/orca:
//
//	DIR/USER.env        shell variables: PISTE_TEXT_SCALE, GDK_DPI_SCALE,
//	                    QT_SCALE_FACTOR, GTK_THEME, PISTE_MAGNIFIER,
//	                    PISTE_SCREEN_READER
//	DIR/USER.dconf      a dconf keyfile for `dconf load /` (GNOME/GTK:
//	                    text-scaling-factor, high-contrast, magnifier, Orca)
//	DIR/USER.Xresources Xft.dpi and, for high contrast, *foreground and
//	                    *background for X programs (`xrdb`)
//
// Resetting removes the files; the privacy wipe does too, since DIR is the
// agent's runtime directory, not the visitor's home.
package desktop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Settings are the choices applied to the visitor's desktop.
type Settings struct {
	TextScale    int // percent, 100..200; 0 is 100
	HighContrast bool
	Magnifier    bool
	ScreenReader bool
}

// IsDefault reports whether s asks for nothing beyond the desktop's own look.
func (s Settings) IsDefault() bool {
	return (s.TextScale == 0 || s.TextScale == 100) && !s.HighContrast && !s.Magnifier && !s.ScreenReader
}

// Applier puts a visitor account's desktop choices in place.
type Applier interface {
	// Apply sets s for user's desktop session; default settings reset it.
	Apply(user string, s Settings) error
}

// Files is the Applier that writes the files described in the package
// comment into Dir.
type Files struct {
	Dir string
}

var userName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$`)

// Apply writes s for user, or removes the files for default settings.
func (f Files) Apply(user string, s Settings) error {
	if !userName.MatchString(user) {
		return fmt.Errorf("desktop: %q is not an account name", user)
	}
	if s.IsDefault() {
		return f.reset(user)
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return fmt.Errorf("desktop: create %s: %w", f.Dir, err)
	}
	for ext, text := range map[string]string{".env": envFile(s), ".dconf": dconfFile(s), ".Xresources": xresources(s)} {
		if err := writeAtomic(filepath.Join(f.Dir, user+ext), text); err != nil {
			return err
		}
	}
	return nil
}

func (f Files) reset(user string) error {
	var errs []error
	for _, ext := range []string{".env", ".dconf", ".Xresources"} {
		if err := os.Remove(filepath.Join(f.Dir, user+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("desktop: reset: %w", err))
		}
	}
	return errors.Join(errs...)
}

func scale(s Settings) float64 {
	if s.TextScale == 0 {
		return 1
	}
	return float64(s.TextScale) / 100
}

func flag(on bool) string {
	if on {
		return "1"
	}
	return "0"
}

func envFile(s Settings) string {
	theme := ""
	if s.HighContrast {
		theme = "HighContrast"
	}
	return fmt.Sprintf("PISTE_TEXT_SCALE=%d\nGDK_DPI_SCALE=%.2f\nQT_SCALE_FACTOR=%.2f\nGTK_THEME=%s\nPISTE_MAGNIFIER=%s\nPISTE_SCREEN_READER=%s\n",
		int(scale(s)*100+0.5), scale(s), scale(s), theme, flag(s.Magnifier), flag(s.ScreenReader))
}

func dconfFile(s Settings) string {
	var b strings.Builder
	b.WriteString("[org/gnome/desktop/interface]\n")
	fmt.Fprintf(&b, "text-scaling-factor=%.2f\n", scale(s))
	if s.HighContrast {
		b.WriteString("gtk-theme='HighContrast'\nicon-theme='HighContrast'\n")
	}
	b.WriteString("\n[org/gnome/desktop/a11y/interface]\n")
	fmt.Fprintf(&b, "high-contrast=%t\n", s.HighContrast)
	b.WriteString("\n[org/gnome/desktop/a11y/applications]\n")
	fmt.Fprintf(&b, "screen-magnifier-enabled=%t\nscreen-reader-enabled=%t\n", s.Magnifier, s.ScreenReader)
	return b.String()
}

func xresources(s Settings) string {
	text := fmt.Sprintf("Xft.dpi: %d\n", int(96*scale(s)+0.5))
	if s.HighContrast {
		// X toolkit programs (Xaw, Motif, xterm) read these.
		text += "*foreground: white\n*background: black\n"
	}
	return text
}

// writeAtomic replaces path with text, so a session reading it never sees
// half a file.
func writeAtomic(path, text string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return fmt.Errorf("desktop: write %s: %w", tmp, err)
	}
	// The agent's service runs with umask 0077, but the visitor's session,
	// another account, has to read the file.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("desktop: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("desktop: replace %s: %w", path, err)
	}
	return nil
}

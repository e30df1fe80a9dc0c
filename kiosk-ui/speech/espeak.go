package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Espeak speaks with espeak-ng (Debian package espeak-ng), which has
// Finnish, Swedish and English voices and starts in milliseconds.
type Espeak struct {
	// Path is the program; "espeak-ng" on $PATH when empty.
	Path string
	// WAVFile, when set, makes espeak-ng write the sound to this file
	// instead of the sound card (for tests and a check at install).
	WAVFile string
}

// voices maps the kiosk's languages to espeak-ng voices.
var voices = map[string]string{"fi": "fi", "sv": "sv", "en": "en-gb"}

// Available reports whether espeak-ng can be started.
func (e Espeak) Available() error {
	_, err := exec.LookPath(e.path())
	return err
}

func (e Espeak) path() string {
	if e.Path == "" {
		return "espeak-ng"
	}
	return e.Path
}

// Speak says u and returns when it is said; cancelling ctx stops it.
// The text goes on stdin, never on the command line, where other users
// of the machine could read it in the process list.
func (e Espeak) Speak(ctx context.Context, u Utterance) error {
	voice, ok := voices[u.Lang]
	if !ok {
		voice = voices["en"]
	}
	args := []string{"-v", voice, "-s", strconv.Itoa(ClampRate(u.Rate)), "--stdin"}
	if e.WAVFile != "" {
		args = append(args, "-w", e.WAVFile)
	}
	cmd := exec.CommandContext(ctx, e.path(), args...)
	cmd.Stdin = strings.NewReader(u.Text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("speech: espeak-ng: %w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return fmt.Errorf("speech: start espeak-ng: %w", err)
	}
	return nil
}

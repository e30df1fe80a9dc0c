package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"github.com/stretchr/testify/assert"

	"piste/agent/localapi"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/speech"
)

// speakingRig is the kiosk with speech through the real espeak-ng, into a
// WAV file rather than a sound card, and a log of every utterance.
func speakingRig(t *testing.T) (*rig, *speech.Speaker, *speech.Recorder) {
	t.Helper()
	engine := speech.Espeak{WAVFile: filepath.Join(t.TempDir(), "said.wav")}
	if err := engine.Available(); err != nil {
		t.Skip("espeak-ng is not installed (Debian package espeak-ng; make apt-ensure):", err)
	}
	rec := speech.NewRecorder()
	sp := speech.New(engine, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return sessionRig(t, Options{Speech: sp}), sp, rec
}

// hear waits until the speech log has a line containing want, running
// the UI goroutine's work meanwhile (intents answer through it).
func hear(t *testing.T, r *rig, rec *speech.Recorder, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.q.Drain()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		heard := rec.WaitFor(ctx, want)
		cancel()
		if heard {
			return
		}
	}
	t.Fatalf("never said %q; said:\n%s", want, rec.Text())
}

func TestSpeechFollowsTheVisitor(t *testing.T) {
	r, sp, rec := speakingRig(t)
	r.waitScreen(r.ui.welcome)
	r.press(fyne.KeyF2) // no-op between sessions; speech is still off
	assert.Empty(t, rec.Lines(), "silent until the visitor asks")

	// F1 from the card field, where the focus starts.
	r.press(KeySpeech)
	r.q.WaitFor(t, "speech on", sp.On)
	hear(t, r, rec, "en 160: "+i18n.T("en", "speech.on"))
	hear(t, r, rec, "Welcome to the library. Log in with your library card and PIN.")

	// Focus moving is said; the PIN field is named, never read.
	r.typeText("2000123")
	r.press(fyne.KeyReturn)
	hear(t, r, rec, i18n.T("en", "speech.secret_field", "PIN"))
	r.typeText("4321")
	r.tab()
	hear(t, r, rec, "en 160: Log in")
	r.ctl.RefuseNext("Login", &localapi.Refusal{Code: localapi.RefusalWrongCardOrPIN})
	r.press(fyne.KeyReturn)
	hear(t, r, rec, i18n.T("en", "refusal.wrong_card_or_pin")) // errors are said at once

	// The visitor chooses a faster rate in Swedish; the next words follow it.
	r.ctl.Update(func(st *localapi.Status) { st.Language = "sv"; st.Accessibility.SpeechRate = 240 })
	hear(t, r, rec, "sv 240: Välkommen till biblioteket")

	// A session, a time warning, and the end of the session.
	r.ctl.Update(func(st *localapi.Status) {
		st.Refusal = nil
		st.State = localapi.StateWarning
		st.Session = &localapi.Session{ID: "s", EndsAt: fixedNow.Add(5 * time.Minute), CanExtend: true}
	})
	hear(t, r, rec, i18n.T("sv", "warning.text", 5))
	r.ctl.Update(func(st *localapi.Status) {
		st.State, st.Session = localapi.StateIdle, nil
		st.Accessibility = localapi.Accessibility{TextScale: 100} // as the agent resets it at session end
	})
	r.q.WaitFor(t, "speech off at session end", func() bool { return !sp.On() })
	before := len(rec.Lines())
	r.ui.welcome.Tick()
	r.press(fyne.KeyTab)
	assert.Len(t, rec.Lines(), before, "nothing more is said once speech is off")

	assert.NotContains(t, rec.Text(), "4321", "the PIN is never spoken")
	assert.NotContains(t, rec.Text(), "2000123", "nor what was typed")
	assert.Zero(t, sp.Failures(), "espeak-ng said every line")
	for _, l := range rec.Lines() {
		assert.False(t, strings.HasSuffix(l, ": "), "no empty utterance: %q", l)
	}
}

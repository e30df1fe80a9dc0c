package speech

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockingEngine holds each utterance until the test releases it or the
// speaker cancels it, and tells the test which it is saying.
type blockingEngine struct {
	started   chan Utterance
	release   chan struct{}
	mu        sync.Mutex
	cancelled []string
}

func newBlockingEngine() *blockingEngine {
	return &blockingEngine{started: make(chan Utterance, 16), release: make(chan struct{}, 16)}
}

func (e *blockingEngine) Speak(ctx context.Context, u Utterance) error {
	e.started <- u
	select {
	case <-e.release:
		return nil
	case <-ctx.Done():
		e.mu.Lock()
		e.cancelled = append(e.cancelled, u.Text)
		e.mu.Unlock()
		return ctx.Err()
	}
}

func (e *blockingEngine) next(t *testing.T) Utterance {
	t.Helper()
	select {
	case u := <-e.started:
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was said")
		return Utterance{}
	}
}

func start(t *testing.T, e Engine) (*Speaker, *Recorder) {
	t.Helper()
	rec := NewRecorder()
	s := New(e, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, rec
}

func TestSaysOnlyWhileOn(t *testing.T) {
	e := newBlockingEngine()
	s, rec := start(t, e)
	s.Say("not this")
	s.Set(true, "sv", 200)
	s.Say("Välkommen")
	u := e.next(t)
	assert.Equal(t, Utterance{Lang: "sv", Text: "Välkommen", Rate: 200}, u)
	e.release <- struct{}{}
	assert.NotContains(t, rec.Text(), "not this")
	assert.Equal(t, []string{"sv 200: Välkommen"}, rec.Lines())
}

func TestInterruptCutsShortAndDropsTheQueue(t *testing.T) {
	e := newBlockingEngine()
	s, _ := start(t, e)
	s.Set(true, "fi", 0)
	s.Say("yksi")
	require.Equal(t, "yksi", e.next(t).Text)
	s.Say("kaksi")
	s.Interrupt("Aikaa on 5 minuuttia")
	assert.Equal(t, "Aikaa on 5 minuuttia", e.next(t).Text, "the warning comes next, not what waited")
	e.release <- struct{}{}
	e.mu.Lock()
	assert.Equal(t, []string{"yksi"}, e.cancelled)
	e.mu.Unlock()
	assert.Equal(t, DefaultRate, ClampRate(0))
}

func TestOffSilencesAtOnce(t *testing.T) {
	e := newBlockingEngine()
	s, rec := start(t, e)
	s.Set(true, "en", 160)
	s.Say("one")
	s.Say("two")
	require.Equal(t, "one", e.next(t).Text)
	s.Set(false, "en", 160)
	s.Announce("en", "Speech off")
	assert.Equal(t, "Speech off", e.next(t).Text)
	e.release <- struct{}{}
	assert.False(t, s.On())
	assert.NotContains(t, rec.Text(), "two")
}

func TestNeverSaysAWithheldText(t *testing.T) {
	e := newBlockingEngine()
	s, rec := start(t, e)
	s.Set(true, "fi", 160)
	s.Withhold(func() []string { return []string{"", "4321"} })
	s.Say("PIN 4321")
	s.Say("PIN-koodi")
	assert.Equal(t, "PIN-koodi", e.next(t).Text)
	e.release <- struct{}{}
	assert.NotContains(t, rec.Text(), "4321")
}

func TestQueueIsBounded(t *testing.T) {
	e := newBlockingEngine()
	s, _ := start(t, e)
	s.Set(true, "en", 160)
	s.Say("first")
	require.Equal(t, "first", e.next(t).Text)
	for i := range 3 * queueLen {
		s.Say(string(rune('a' + i)))
	}
	s.mu.Lock()
	assert.Len(t, s.queue, queueLen)
	s.mu.Unlock()
}

func TestRatesAreClamped(t *testing.T) {
	for in, want := range map[int]int{0: DefaultRate, 10: MinRate, 1000: MaxRate, 200: 200} {
		assert.Equal(t, want, ClampRate(in), "rate %d", in)
	}
}

// TestEspeakRendersAudio says a sentence in each language with the real
// espeak-ng into a WAV file: sound comes out, and a faster rate is shorter.
func TestEspeakRendersAudio(t *testing.T) {
	if err := (Espeak{}).Available(); err != nil {
		t.Skip("espeak-ng is not installed (Debian package espeak-ng; make apt-ensure):", err)
	}
	dir := t.TempDir()
	sizes := map[string]int64{}
	for _, tc := range []struct {
		name string
		u    Utterance
	}{
		{"fi", Utterance{Lang: "fi", Text: "Tervetuloa kirjastoon. Kirjaudu kirjastokortilla.", Rate: 160}},
		{"fi-fast", Utterance{Lang: "fi", Text: "Tervetuloa kirjastoon. Kirjaudu kirjastokortilla.", Rate: 320}},
		{"sv", Utterance{Lang: "sv", Text: "Välkommen till biblioteket.", Rate: 160}},
		{"en", Utterance{Lang: "en", Text: "Welcome to the library.", Rate: 160}},
	} {
		path := filepath.Join(dir, tc.name+".wav")
		require.NoError(t, Espeak{WAVFile: path}.Speak(context.Background(), tc.u), tc.name)
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(44+8000), "%s: more than a WAV header and a moment of sound", tc.name)
		sizes[tc.name] = info.Size()
	}
	assert.Less(t, sizes["fi-fast"], sizes["fi"], "a faster rate says the same in less time")
}

func TestEspeakReportsAMissingProgram(t *testing.T) {
	err := Espeak{Path: filepath.Join(t.TempDir(), "no-espeak")}.Speak(context.Background(), Utterance{Lang: "fi", Text: "x"})
	assert.ErrorContains(t, err, "start espeak-ng")
}

// BenchmarkEspeakUtterance is the time from a sentence to its sound in a
// file: the delay a visitor hears after moving the focus.
func BenchmarkEspeakUtterance(b *testing.B) {
	if err := (Espeak{}).Available(); err != nil {
		b.Skip("espeak-ng is not installed:", err)
	}
	e := Espeak{WAVFile: filepath.Join(b.TempDir(), "b.wav")}
	u := Utterance{Lang: "fi", Text: "Kirjastokortin numero, kirjoituskenttä", Rate: DefaultRate}
	for b.Loop() {
		if err := e.Speak(context.Background(), u); err != nil {
			b.Fatal(err)
		}
	}
}

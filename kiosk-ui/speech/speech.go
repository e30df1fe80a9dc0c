// Package speech makes the kiosk self-voicing: it says, in the visitor's
// language and at their rate, what the screens hand it (titles, the
// focused control, statuses, warnings), one utterance after another, with
// a newer urgent one cutting the rest short. It speaks through an Engine
// (espeak-ng in the kiosk) and writes every utterance to an optional log,
// which is how the tests hear it.
package speech

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Rate limits, in words per minute (espeak-ng's unit).
const (
	MinRate     = 80
	DefaultRate = 160
	MaxRate     = 320
	// RateStep is how much the visitor's slower/faster buttons change it.
	RateStep = 40
)

// ClampRate brings a rate into MinRate..MaxRate; 0 (unset) is DefaultRate.
func ClampRate(wpm int) int {
	if wpm == 0 {
		return DefaultRate
	}
	return min(max(wpm, MinRate), MaxRate)
}

// Utterance is one thing to say.
type Utterance struct {
	Lang string // fi | sv | en
	Text string
	Rate int // words per minute
}

// Engine turns an utterance into sound; Speak returns when it is said or
// ctx is cancelled (the speaker cancels it when something urgent comes).
type Engine interface {
	Speak(ctx context.Context, u Utterance) error
}

// queueLen bounds what waits to be said; focus moving fast past many
// controls must not leave a minute of speech behind it.
const queueLen = 8

// Speaker says texts while it is on. Its methods are safe to call from any
// goroutine and never block on the engine.
type Speaker struct {
	engine Engine
	log    io.Writer

	mu      sync.Mutex
	on      bool
	lang    string
	rate    int
	queue   []Utterance
	cancel  context.CancelFunc // of the utterance being said
	wake    chan struct{}
	secrets func() []string
	errs    int
}

// New returns a speaker that is off. log, when not nil, gets one line per
// utterance ("fi 160: Tervetuloa"), whether or not the engine could say it.
func New(engine Engine, log io.Writer) *Speaker {
	return &Speaker{engine: engine, log: log, lang: "fi", rate: DefaultRate, wake: make(chan struct{}, 1)}
}

// Withhold gives the speaker a function that returns texts it must never
// say, such as the PIN being typed: an utterance containing one is dropped.
// The screens never hand it a field's content; this is the second lock.
func (s *Speaker) Withhold(secrets func() []string) {
	s.mu.Lock()
	s.secrets = secrets
	s.mu.Unlock()
}

// Set turns speech on or off and sets the language and rate. Turning it
// off silences at once and forgets what waited.
func (s *Speaker) Set(on bool, lang string, rate int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on, s.lang, s.rate = on, lang, ClampRate(rate)
	if !on {
		s.silenceLocked()
	}
}

// On reports whether speech is on.
func (s *Speaker) On() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on
}

// Say queues text after what is being said.
func (s *Speaker) Say(text string) { s.say(text, false) }

// Interrupt says text at once, cutting short what was being said and
// dropping what waited: a new screen or a warning is what matters now.
func (s *Speaker) Interrupt(text string) { s.say(text, true) }

// Announce says text even while speech is off, in lang: the words that
// confirm speech was just turned off, or on.
func (s *Speaker) Announce(lang, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silenceLocked()
	s.enqueueLocked(Utterance{Lang: lang, Text: text, Rate: s.rate})
}

func (s *Speaker) say(text string, urgent bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.on {
		return
	}
	if urgent {
		s.silenceLocked()
	}
	s.enqueueLocked(Utterance{Lang: s.lang, Text: text, Rate: s.rate})
}

func (s *Speaker) enqueueLocked(u Utterance) {
	if s.secrets != nil {
		for _, secret := range s.secrets() {
			if secret != "" && strings.Contains(u.Text, secret) {
				return
			}
		}
	}
	if len(s.queue) == queueLen {
		s.queue = s.queue[1:]
	}
	s.queue = append(s.queue, u)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Speaker) silenceLocked() {
	s.queue = nil
	if s.cancel != nil {
		s.cancel()
	}
}

// Run says what is queued until ctx ends.
func (s *Speaker) Run(ctx context.Context) {
	for {
		u, uctx, cancel, ok := s.next(ctx)
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		if s.log != nil {
			fmt.Fprintf(s.log, "%s %d: %s\n", u.Lang, u.Rate, u.Text)
		}
		if err := s.engine.Speak(uctx, u); err != nil && uctx.Err() == nil {
			s.mu.Lock()
			s.errs++
			s.mu.Unlock()
		}
		cancel()
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
	}
}

// next takes the first utterance off the queue with a context that
// Interrupt and Set(off) cancel.
func (s *Speaker) next(ctx context.Context) (Utterance, context.Context, context.CancelFunc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Utterance{}, nil, nil, false
	}
	u := s.queue[0]
	s.queue = s.queue[1:]
	uctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	return u, uctx, cancel, true
}

// Failures counts utterances the engine could not say, for the kiosk's log.
func (s *Speaker) Failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errs
}

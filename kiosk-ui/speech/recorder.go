package speech

import (
	"context"
	"strings"
	"sync"
)

// Recorder is a speech log that tests read while the speaker writes it:
// every utterance as one line.
type Recorder struct {
	mu      sync.Mutex
	lines   []string
	partial string
	changed chan struct{}
}

// NewRecorder returns an empty log.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{})} }

// Write appends what the speaker logged.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	text := r.partial + string(p)
	parts := strings.Split(text, "\n")
	r.partial = parts[len(parts)-1]
	r.lines = append(r.lines, parts[:len(parts)-1]...)
	close(r.changed)
	r.changed = make(chan struct{})
	return len(p), nil
}

// Lines returns the utterances logged so far.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// Text returns the whole log.
func (r *Recorder) Text() string { return strings.Join(r.Lines(), "\n") }

// WaitFor waits until a logged line contains want, or ctx ends; it
// reports whether it came.
func (r *Recorder) WaitFor(ctx context.Context, want string) bool {
	for {
		r.mu.Lock()
		for _, l := range r.lines {
			if strings.Contains(l, want) {
				r.mu.Unlock()
				return true
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

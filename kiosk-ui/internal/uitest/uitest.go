// Package uitest helps the kiosk's UI tests run the UI goroutine on the
// test goroutine: fyne's test driver runs fyne.Do at once on the calling
// goroutine, which would let intents' results touch widgets while the
// test reads them.
package uitest

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// Queue collects functions meant for the UI goroutine until the test runs
// them with Drain or WaitFor.
type Queue struct{ ch chan func() }

// NewQueue returns an empty queue.
func NewQueue() *Queue { return &Queue{ch: make(chan func(), 4096)} }

// Do queues f; it is the screens' Env.Do.
func (q *Queue) Do(f func()) { q.ch <- f }

// Drain runs every queued function on the calling goroutine.
func (q *Queue) Drain() {
	for {
		select {
		case f := <-q.ch:
			f()
		default:
			return
		}
	}
}

// WaitFor runs queued functions until cond holds, failing the test after
// ten seconds.
func (q *Queue) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.Drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Walk calls visit for every visible object under o with its position
// relative to o's origin, hidden subtrees skipped.
func Walk(o fyne.CanvasObject, visit func(obj fyne.CanvasObject, pos fyne.Position)) {
	walk(o, fyne.Position{}, visit)
}

func walk(o fyne.CanvasObject, pos fyne.Position, visit func(fyne.CanvasObject, fyne.Position)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o, pos)
	var children []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		children = c.Objects
	case fyne.Widget:
		children = cachedRendererObjects(c)
	}
	for _, child := range children {
		walk(child, pos.Add(child.Position()), visit)
	}
}

package changes

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func revoked(id string) Change { return Change{Kind: TerminalRevoked, Terminal: id} }
func changed(id string) Change { return Change{Kind: TerminalChanged, Terminal: id} }

func TestSubscriptionReceives(t *testing.T) {
	policy := Change{Kind: PolicyChanged, Scope: "fleet"}
	tests := []struct {
		name    string
		kinds   []Kind
		publish []Change
		want    []Change
	}{
		{"in order", nil, []Change{changed("a"), revoked("b"), policy}, []Change{changed("a"), revoked("b"), policy}},
		{"equal changes coalesce", nil, []Change{changed("a"), changed("b"), changed("a"), changed("a")}, []Change{changed("a"), changed("b")}},
		{"only the kinds asked for", []Kind{TerminalRevoked, PolicyChanged}, []Change{changed("a"), revoked("a"), policy, changed("b")}, []Change{revoked("a"), policy}},
		{"same terminal, other kind, kept", nil, []Change{changed("a"), revoked("a")}, []Change{changed("a"), revoked("a")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b Bus
			s := b.Subscribe(tc.kinds...)
			defer s.Close()
			for _, c := range tc.publish {
				b.Publish(c)
			}
			<-s.Ready()
			got, behind := s.Take()
			assert.False(t, behind)
			assert.Equal(t, tc.want, got)
			got, _ = s.Take()
			assert.Empty(t, got, "taken changes are gone")
		})
	}
}

func TestPublishedCountsByKind(t *testing.T) {
	var b Bus
	assert.Zero(t, b.Published(PolicyChanged))
	b.Publish(Change{Kind: PolicyChanged, Scope: "fleet"})
	b.Publish(Change{Kind: PolicyChanged, Scope: "fleet"})
	b.Publish(changed("a"))
	assert.Equal(t, uint64(2), b.Published(PolicyChanged), "counted even with no subscriber")
	assert.Equal(t, uint64(1), b.Published(TerminalChanged))
	assert.Zero(t, b.Published(Kind(0)))
	assert.Zero(t, b.Published(Kind(200)))
}

func TestChangeAfterTakeIsDeliveredAgain(t *testing.T) {
	var b Bus
	s := b.Subscribe()
	b.Publish(changed("a"))
	got, _ := s.Take()
	require.Equal(t, []Change{changed("a")}, got)
	b.Publish(changed("a"))
	<-s.Ready()
	got, _ = s.Take()
	assert.Equal(t, []Change{changed("a")}, got, "a change after Take is a new change")
}

func TestSlowSubscriberFallsBehindWithoutStallingPublisher(t *testing.T) {
	var b Bus
	slow := b.SubscribeLimit(3)
	fast := b.Subscribe()
	for i := range 10 {
		b.Publish(changed(fmt.Sprint(i))) // nobody reads: must not block
	}
	got, behind := slow.Take()
	assert.True(t, behind, "the slow subscriber must learn it missed changes")
	assert.Empty(t, got, "what it held is dropped: it reloads everything instead")
	got, behind = slow.Take()
	assert.False(t, behind, "told once")
	assert.Empty(t, got)

	got, behind = fast.Take()
	assert.False(t, behind)
	assert.Len(t, got, 10, "other subscribers are not affected")

	b.Publish(revoked("x"))
	got, behind = slow.Take()
	assert.False(t, behind)
	assert.Equal(t, []Change{revoked("x")}, got, "after catching up it receives again")
}

func TestClosedSubscriptionReceivesNothing(t *testing.T) {
	var b Bus
	s := b.Subscribe()
	s.Close()
	b.Publish(changed("a"))
	got, behind := s.Take()
	assert.Empty(t, got)
	assert.False(t, behind)
	select {
	case <-s.Ready():
		t.Fatal("a closed subscription was woken")
	default:
	}
}

func TestDiscardTakesAnything(t *testing.T) {
	Discard.Publish(revoked("a")) // no panic, no effect
	assert.Equal(t, "terminal_revoked", TerminalRevoked.String())
	assert.Equal(t, "kind(99)", Kind(99).String())
}

// Many publishers and subscribers at once, subscribing and closing while
// changes flow: under -race this checks the locking, and every subscriber
// that stays sees every distinct change once it has caught up.
func TestConcurrentPublishAndSubscribe(t *testing.T) {
	var b Bus
	const publishers, perPublisher = 4, 500
	stay := b.Subscribe(TerminalChanged)
	seen := map[Change]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(seen) < publishers*perPublisher {
			select {
			case <-stay.Ready():
			case <-time.After(10 * time.Second):
				return
			}
			cs, behind := stay.Take()
			if behind {
				return
			}
			for _, c := range cs {
				seen[c] = true
			}
		}
	}()
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range perPublisher {
				b.Publish(changed(fmt.Sprintf("%d-%d", p, i)))
			}
		})
	}
	wg.Go(func() { // subscribers coming and going
		for range 200 {
			s := b.Subscribe()
			b.Publish(Change{Kind: PolicyChanged, Scope: "fleet"})
			s.Take()
			s.Close()
		}
	})
	wg.Wait()
	<-done
	assert.Len(t, seen, publishers*perPublisher)
}

func BenchmarkPublish(b *testing.B) {
	for _, subs := range []int{0, 1, 4, 32} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			var bus Bus
			ss := make([]*Subscription, subs)
			for i := range ss {
				ss[i] = bus.Subscribe()
			}
			ids := make([]string, 10000)
			for i := range ids {
				ids[i] = fmt.Sprintf("t-%05d", i)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				bus.Publish(changed(ids[i%len(ids)]))
				i++
				if i%len(ids) == 0 {
					for _, s := range ss {
						s.Take() // a live view draining once a second
					}
				}
			}
		})
	}
}

// Package outbox is the agent's durable queue of events for the fleet.
// An event is appended before anything else learns of it, and leaves the
// outbox only when the fleet has acknowledged storing it, so no event is
// lost to a crash, a power cut or a network outage.
package outbox

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"piste/fleet/protocol"
)

// Outbox is a queue of events numbered 1, 2, 3... within an epoch. The
// epoch is random per outbox, so a terminal whose state was reset starts a
// new numbering the fleet will not mistake for resends.
type Outbox interface {
	Epoch() string
	// Append stores an event and returns its sequence number.
	Append(kind string, at time.Time, data []byte) (uint64, error)
	// After returns up to limit events with seq > after, in order.
	After(after uint64, limit int) ([]protocol.Event, error)
	// Ack drops every event with seq <= upTo.
	Ack(upTo uint64) error
	// Len is the number of events waiting.
	Len() int
	// Notify is signalled (without blocking) after every Append.
	Notify() <-chan struct{}
	Close() error
}

// CommandLog remembers which fleet commands were executed, so a command
// redelivered after a lost ack is acked again but not run twice.
type CommandLog interface {
	// FirstSeen records id and reports whether it was new.
	FirstSeen(id string) (bool, error)
}

func newEpoch() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("outbox: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

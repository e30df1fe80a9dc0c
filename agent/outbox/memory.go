package outbox

import (
	"sync"
	"time"

	"piste/fleet/protocol"
)

// Memory is an outbox that lives only as long as the process: for
// simulated terminals, whose "device" is the process itself.
type Memory struct {
	mu     sync.Mutex
	epoch  string
	next   uint64
	events []protocol.Event
	seen   map[string]bool
	notify chan struct{}
}

// NewMemory returns an empty in-memory outbox.
func NewMemory() *Memory {
	return &Memory{epoch: newEpoch(), next: 1, seen: map[string]bool{}, notify: make(chan struct{}, 1)}
}

func (m *Memory) Epoch() string { return m.epoch }

func (m *Memory) Append(kind string, at time.Time, data []byte) (uint64, error) {
	m.mu.Lock()
	seq := m.next
	m.next++
	m.events = append(m.events, protocol.Event{Epoch: m.epoch, Seq: seq, Kind: kind, At: at.UTC(), Data: data})
	m.mu.Unlock()
	signal(m.notify)
	return seq, nil
}

func (m *Memory) After(after uint64, limit int) ([]protocol.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []protocol.Event
	for _, e := range m.events {
		if e.Seq > after {
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (m *Memory) Ack(upTo uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := 0
	for i < len(m.events) && m.events[i].Seq <= upTo {
		i++
	}
	m.events = append(m.events[:0:0], m.events[i:]...)
	return nil
}

func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

func (m *Memory) Notify() <-chan struct{} { return m.notify }

func (m *Memory) FirstSeen(id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[id] {
		return false, nil
	}
	m.seen[id] = true
	return true, nil
}

func (m *Memory) Close() error { return nil }

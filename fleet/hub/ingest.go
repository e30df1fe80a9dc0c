package hub

import (
	"time"

	"piste/fleet/protocol"
	"piste/fleet/store"
)

// ingestItem is an event waiting to be committed, with the connection to
// ack once it is.
type ingestItem struct {
	conn *conn
	in   store.Incoming
}

// ingestLoop commits events in batches: one transaction (and one fsync)
// for everything that arrived while the previous batch was committing.
// An event is acked only after its batch committed.
func (h *Hub) ingestLoop() {
	batch := make([]ingestItem, 0, h.cfg.MaxBatch)
	for {
		select {
		case <-h.ctx.Done():
			return
		case item := <-h.ingest:
			batch = append(batch[:0], item)
		}
	fill:
		for len(batch) < h.cfg.MaxBatch {
			select {
			case item := <-h.ingest:
				batch = append(batch, item)
			default:
				break fill
			}
		}
		h.commit(batch)
	}
}

func (h *Hub) commit(batch []ingestItem) {
	incoming := make([]store.Incoming, len(batch))
	for i, item := range batch {
		incoming[i] = item.in
	}
	start := time.Now()
	outcomes, err := h.store.Ingest(h.ctx, incoming)
	h.metrics.IngestBatchSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		// Only the database fails a batch (bad data is kept aside), and
		// nothing of it is stored: drop the connections so the agents
		// resend from their outboxes.
		h.log.Error("store events", "events", len(batch), "err", err)
		for _, item := range batch {
			item.conn.shutdown()
		}
		return
	}
	// One log line per batch at most: a fleet of agents sending bad data
	// at every heartbeat must not flood the log (the metric counts each).
	var first []any
	rejected := 0
	for i, item := range batch {
		ev := item.in.Event
		o := outcomes[i]
		switch {
		case o.Stored:
			h.metrics.Events.WithLabelValues(kindLabel(ev.Kind)).Inc()
			if ev.Kind != protocol.EventTest {
				h.changed(item.in.TerminalID)
			}
			if h.hooks.Stored != nil && ev.Kind != protocol.EventTest && ev.Kind != protocol.EventHealth {
				go h.hooks.Stored(h.ctx, item.in)
			}
		case o.Rejected != "":
			h.metrics.Rejected.WithLabelValues(kindLabel(ev.Kind)).Inc()
			h.changed(item.in.TerminalID)
			if rejected == 0 {
				first = []any{"terminal", item.in.TerminalID, "epoch", ev.Epoch, "seq", ev.Seq, "kind", ev.Kind, "reason", o.Rejected}
			}
			rejected++
		default:
			h.metrics.Duplicates.Inc()
		}
		// Acked whatever became of it: a rejected event would be no more
		// readable if it came again.
		item.conn.send(protocol.TypeAck, protocol.Ack{Epoch: ev.Epoch, Seq: ev.Seq})
	}
	if rejected > 0 {
		h.log.Warn("events kept aside: their data breaks the rules of their kind", append(first, "in_batch", rejected)...)
	}
}

// kindLabel is an event kind as a metric label. Kinds this build does not
// know (from a newer agent, or anyone holding a token) share one label, so
// they cannot grow the number of series without bound.
func kindLabel(kind string) string {
	switch kind {
	case protocol.EventHealth, protocol.EventState, protocol.EventCommandResult,
		protocol.EventSession, protocol.EventWipe, protocol.EventTest, protocol.EventPolicyResult, protocol.EventPower:
		return kind
	}
	return "other"
}

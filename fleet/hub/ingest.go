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
	fresh, err := h.store.Ingest(h.ctx, incoming)
	h.metrics.IngestBatchSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		// Nothing of the batch is stored: drop the connections so the
		// agents resend from their outboxes.
		h.log.Error("store events", "events", len(batch), "err", err)
		for _, item := range batch {
			item.conn.shutdown()
		}
		return
	}
	for i, item := range batch {
		ev := item.in.Event
		if fresh[i] {
			h.metrics.Events.WithLabelValues(ev.Kind).Inc()
			if ev.Kind != protocol.EventTest {
				h.changed(item.in.TerminalID)
			}
			if h.hooks.Stored != nil && ev.Kind != protocol.EventTest && ev.Kind != protocol.EventHealth {
				go h.hooks.Stored(h.ctx, item.in)
			}
		} else {
			h.metrics.Duplicates.Inc()
		}
		item.conn.send(protocol.TypeAck, protocol.Ack{Epoch: ev.Epoch, Seq: ev.Seq})
	}
}

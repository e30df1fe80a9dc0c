package hub

import (
	"errors"

	"piste/fleet/changes"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

// listen acts on changes made elsewhere in the fleet (the API, the admin
// socket the CLI uses): a revoked terminal loses its link at once, and a
// queued command goes to its terminal if it is online.
func (h *Hub) listen() {
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.heard.Ready():
		}
		cs, behind := h.heard.Take()
		if behind {
			h.resync()
		}
		for _, c := range cs {
			switch c.Kind {
			case changes.TerminalRevoked:
				h.Disconnect(c.Terminal, protocol.CloseUnauthorized, "terminal revoked by an admin")
			case changes.CommandQueued:
				h.deliverQueued(c.Command)
			}
		}
	}
}

func (h *Hub) deliverQueued(id string) {
	cmd, err := h.store.Command(h.ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && h.ctx.Err() == nil {
			h.log.Warn("load queued command", "command", id, "err", err)
		}
		return
	}
	if cmd.Status == store.CommandQueued {
		h.Deliver(cmd)
	}
}

// resync redoes, for every online terminal, what missed changes would
// have done: the listener fell behind, so revocations and commands may
// have been dropped. Agents ignore a command they have seen before.
func (h *Hub) resync() {
	h.log.Warn("change listener fell behind; rechecking every online terminal")
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		t, err := h.store.Terminal(h.ctx, c.terminal.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil || t.Revoked {
			c.close(protocol.CloseUnauthorized, "terminal revoked by an admin")
			continue
		}
		c.sendPending()
	}
}

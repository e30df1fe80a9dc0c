package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// ReasonAgentUnreachable is the Reason of the out-of-service Status that
// Client.Watch reports while it cannot reach the agent.
const ReasonAgentUnreachable = "agent_unreachable"

// Reconnect backoff of Client.Watch: short at first, so a restarting agent
// is found again within a second, capped so a stopped one costs nothing.
const (
	watchBackoffMin = 100 * time.Millisecond
	watchBackoffMax = 5 * time.Second
)

// Watch sends the agent's status and every change until ctx ends, then
// closes the channel. When the agent goes away Watch reconnects by itself
// with backoff; if it stays away longer than WatchGrace, Watch sends an
// out_of_service Status with Reason ReasonAgentUnreachable (keeping the
// last language and accessibility) so the screen can say so.
func (c *Client) Watch(ctx context.Context) <-chan Status {
	out := make(chan Status)
	go c.watchLoop(ctx, out)
	return out
}

func (c *Client) watchLoop(ctx context.Context, out chan<- Status) {
	defer close(out)
	var last Status
	lostAt := time.Now()
	reported := false
	backoff := watchBackoffMin
	for ctx.Err() == nil {
		got, err := c.watchOnce(ctx, func(st Status) bool {
			last = st
			reported = false
			return send(ctx, out, st)
		})
		if ctx.Err() != nil {
			return
		}
		if got {
			lostAt, backoff = time.Now(), watchBackoffMin
		}
		_ = err // the next attempt tells; the unreachable status tells the visitor
		if !reported && time.Since(lostAt) >= c.WatchGrace {
			reported = send(ctx, out, unreachable(last))
		}
		if !sleep(ctx, jitter(backoff)) {
			return
		}
		backoff = min(backoff*2, watchBackoffMax)
	}
}

// watchOnce follows one watch stream until it breaks; got says whether
// any status arrived on it.
func (c *Client) watchOnce(ctx context.Context, deliver func(Status) bool) (got bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://piste-agent/v1/watch", nil)
	if err != nil {
		return false, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("localapi: watch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, decodeErrorAnswer(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var st Status
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			return got, fmt.Errorf("localapi: watch: decode status: %w", err)
		}
		got = true
		if !deliver(st) {
			return got, ctx.Err()
		}
	}
	return got, sc.Err()
}

func unreachable(last Status) Status {
	return Status{State: StateOutOfService, Reason: ReasonAgentUnreachable,
		Language: last.Language, Accessibility: last.Accessibility, Version: last.Version}
}

func send(ctx context.Context, out chan<- Status, st Status) bool {
	select {
	case out <- st:
		return true
	case <-ctx.Done():
		return false
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// jitter spreads reconnects over ±25 % of d.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2+1)
}

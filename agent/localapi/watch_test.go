package localapi_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/fleet/protocol"
)

// next waits for the next status on ch.
func next(t *testing.T, ch <-chan localapi.Status) localapi.Status {
	t.Helper()
	select {
	case st, ok := <-ch:
		require.True(t, ok, "watch channel closed")
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no status within 10s")
		return localapi.Status{}
	}
}

func TestWatchStreamsChanges(t *testing.T) {
	ctl := localapitest.NewScripted(idle())
	_, cl := localapitest.Start(t, ctl)
	ch := cl.Watch(ctx(t))
	assert.Equal(t, localapi.StateIdle, next(t, ch).State)

	ctl.Update(func(st *localapi.Status) { st.State = localapi.StateActive })
	assert.Equal(t, localapi.StateActive, next(t, ch).State)
	ctl.Update(func(st *localapi.Status) { st.Help = &localapi.Help{ID: "h", Status: "open"} })
	assert.Equal(t, protocol.HelpOpen, next(t, ch).Help.Status)
}

func TestWatchSurvivesAgentRestart(t *testing.T) {
	path := filepath.Join(localapitest.SocketDir(t), "agent.sock")
	first := localapitest.NewScripted(idle())
	srv := localapitest.Serve(t, path, first)
	cl := localapi.NewClient(path)
	cl.WatchGrace = 200 * time.Millisecond
	defer cl.Close()

	watchCtx, cancel := context.WithCancel(ctx(t))
	ch := cl.Watch(watchCtx)
	before := idle()
	before.Language = "sv"
	first.SetStatus(before)
	for next(t, ch).Language != "sv" {
	}

	require.NoError(t, srv.Stop())
	down := next(t, ch)
	assert.Equal(t, localapi.StateOutOfService, down.State)
	assert.Equal(t, localapi.ReasonAgentUnreachable, down.Reason)
	assert.Equal(t, "sv", down.Language, "the unreachable screen keeps the visitor's language")

	after := idle()
	after.State = localapi.StateActive
	localapitest.Serve(t, path, localapitest.NewScripted(after))
	assert.Equal(t, localapi.StateActive, next(t, ch).State)

	cancel()
	for range ch { // the channel closes once the context ends
	}
}

func TestWatchWaitsForAgentThatStartsLater(t *testing.T) {
	path := filepath.Join(localapitest.SocketDir(t), "agent.sock")
	cl := localapi.NewClient(path)
	cl.WatchGrace = time.Hour // no unreachable report: only the real status counts
	ch := cl.Watch(ctx(t))
	time.Sleep(300 * time.Millisecond) // a few failed dials first
	localapitest.Serve(t, path, localapitest.NewScripted(idle()))
	assert.Equal(t, localapi.StateIdle, next(t, ch).State)
}

func TestWatchEndsServerSideWhenClientLeaves(t *testing.T) {
	ctl := localapitest.NewScripted(idle())
	_, cl := localapitest.Start(t, ctl)
	watchCtx, cancel := context.WithCancel(ctx(t))
	ch := cl.Watch(watchCtx)
	next(t, ch)
	require.Equal(t, 1, ctl.Watchers())
	cancel()
	assert.Eventually(t, func() bool { return ctl.Watchers() == 0 }, 5*time.Second, 10*time.Millisecond)
}

package daemon

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/config"
	"piste/agent/state"
	"piste/agent/wipe"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

// recordingWiper stands in for the wipe engine, which needs root and a
// real account: these tests are about what reaches it.
type recordingWiper struct{ reqs []wipe.Request }

func (w *recordingWiper) Wipe(_ context.Context, req wipe.Request) wipe.Receipt {
	w.reqs = append(w.reqs, req)
	return wipe.Receipt{SessionID: req.SessionID, Verified: true}
}

var testLocal = config.Config{File: "/etc/piste/agent.yaml", VisitorAccounts: []string{"piste-notyet"},
	Skeletons: []string{"/etc/piste/skel"}, ExtraPaths: []string{"/var/tmp/piste"}}

func newTestDaemon(t *testing.T, saved *policy.Policy) (*Daemon, *recordingWiper) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, state.Save(dir, state.Config{Server: "http://127.0.0.1:9", TerminalID: "t-1", Name: "pc", Kind: "pc"}, "token"))
	if saved != nil {
		require.NoError(t, savePolicy(dir, *saved))
	}
	w := &recordingWiper{}
	local := testLocal
	d, err := New(Options{StateDir: dir, Version: "test", Wiper: w, Local: &local})
	require.NoError(t, err)
	t.Cleanup(func() { d.outbox.Close() })
	return d, w
}

func allowedPolicy() policy.Policy {
	p := policy.Defaults()
	p.Session.KioskUser, p.Wipe.Skeleton = "piste-notyet", "/etc/piste/skel"
	return p
}

// policyResults are the policy_result events waiting in the outbox.
func policyResults(t *testing.T, d *Daemon) []protocol.PolicyResult {
	t.Helper()
	evs, err := d.outbox.After(0, 1000)
	require.NoError(t, err)
	var out []protocol.PolicyResult
	for _, ev := range evs {
		if ev.Kind == protocol.EventPolicyResult {
			var r protocol.PolicyResult
			require.NoError(t, json.Unmarshal(ev.Data, &r))
			out = append(out, r)
		}
	}
	return out
}

func TestPolicyWideningTheConfigIsRefused(t *testing.T) {
	good := allowedPolicy()
	good.Session.MaxMinutes = 42
	d, _ := newTestDaemon(t, &good)
	savedBefore, err := os.ReadFile(filepath.Join(d.opts.StateDir, PolicyFile))
	require.NoError(t, err)

	bad := allowedPolicy()
	bad.Session.KioskUser, bad.Wipe.Skeleton, bad.Wipe.ExtraPaths = "nobody", "/etc", []string{"/var/lib"}
	raw, err := json.Marshal(bad)
	require.NoError(t, err)
	d.applyPolicy(raw)
	d.applyPolicy(raw) // resent on the next connect

	assert.Equal(t, 42, d.session.Policy().Session.MaxMinutes, "the last good policy stays in force")
	assert.Equal(t, "piste-notyet", d.session.Policy().Session.KioskUser)
	savedAfter, err := os.ReadFile(filepath.Join(d.opts.StateDir, PolicyFile))
	require.NoError(t, err)
	assert.Equal(t, string(savedBefore), string(savedAfter))
	results := policyResults(t, d)
	require.Len(t, results, 1, "one report per change of outcome")
	assert.Equal(t, protocol.PolicyRefused, results[0].Status)
	assert.Equal(t, "session.kiosk_user", results[0].Key)
	assert.Contains(t, results[0].Error, `"nobody" is not allowed by this terminal's visitor_accounts in /etc/piste/agent.yaml`)

	ok := allowedPolicy()
	ok.Wipe.ExtraPaths = []string{"/var/tmp/piste/scans"}
	raw, err = json.Marshal(ok)
	require.NoError(t, err)
	d.applyPolicy(raw)
	assert.Equal(t, []string{"/var/tmp/piste/scans"}, d.session.Policy().Wipe.ExtraPaths)
	results = policyResults(t, d)
	require.Len(t, results, 2)
	assert.Equal(t, protocol.PolicyApplied, results[1].Status)
}

func TestSavedPolicyNarrowedToTheConfigAtStart(t *testing.T) {
	saved := allowedPolicy()
	saved.Session.KioskUser, saved.Wipe.ExtraPaths = "it-support", []string{"/home/it-support/work"}
	d, _ := newTestDaemon(t, &saved)
	p := d.session.Policy()
	assert.Equal(t, "piste-notyet", p.Session.KioskUser)
	assert.Empty(t, p.Wipe.ExtraPaths)
	results := policyResults(t, d)
	require.Len(t, results, 1, "the fleet hears that its saved policy no longer applies")
	assert.Equal(t, protocol.PolicyRefused, results[0].Status)

	fresh, _ := newTestDaemon(t, nil)
	assert.Equal(t, "piste-notyet", fresh.session.Policy().Session.KioskUser, "the defaults take the config's account")
	assert.Empty(t, policyResults(t, fresh), "no policy from the fleet yet: nothing refused")
}

func TestWipeOutsideTheConfigNeverReachesTheEngine(t *testing.T) {
	d, w := newTestDaemon(t, nil)
	g := guardedWiper{local: d.local, next: w}
	r := g.Wipe(context.Background(), wipe.Request{SessionID: "s-1", Trigger: wipe.TriggerRecovery, User: "nobody", Skeleton: "/etc/piste/skel"})
	assert.False(t, r.Verified, "a refused wipe takes the terminal out of service")
	require.Len(t, r.Failures, 1)
	assert.Contains(t, r.Failures[0].Error, "session.kiosk_user")
	assert.Empty(t, w.reqs, "the engine was not asked")
	assert.WithinDuration(t, time.Now(), r.EndedAt, time.Minute)
}

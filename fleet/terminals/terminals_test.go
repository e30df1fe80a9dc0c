package terminals_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// offlineLink stands in for the hub, which needs live agents: no
// terminal is connected.
type offlineLink struct{}

func (offlineLink) Online(string) (bool, time.Time) { return false, time.Time{} }

// heard is what the hub would hear on the change bus: the commands to
// deliver and the terminals to disconnect.
type heard struct {
	sub          *changes.Subscription
	delivered    []string
	disconnected []string
}

func (h *heard) take() {
	cs, _ := h.sub.Take()
	for _, c := range cs {
		switch c.Kind {
		case changes.CommandQueued:
			h.delivered = append(h.delivered, c.Command)
		case changes.TerminalRevoked:
			h.disconnected = append(h.disconnected, c.Terminal)
		}
	}
}

var (
	fleetAdmin  = staff.Member{Name: "ada", Role: staff.RoleAdmin}
	kallioAdmin = staff.Member{Name: "kim", Role: staff.RoleAdmin, Branches: []string{"kallio"}}
	volunteer   = staff.Member{Name: "val", Role: staff.RoleVolunteer, Branches: []string{"kallio"}}
)

type fixture struct {
	st           *store.Store
	svc          *terminals.Service
	link         *heard
	kallio, oodi string // a terminal of each branch
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: b, TZ: "Europe/Helsinki"}))
	}
	bus := &changes.Bus{}
	link := &heard{sub: bus.Subscribe(changes.CommandQueued, changes.TerminalRevoked)}
	t.Cleanup(link.sub.Close)
	svc := terminals.New(st, offlineLink{}, audit.New(st))
	svc.Changes = bus
	f := &fixture{st: st, svc: svc, link: link}
	f.kallio, f.oodi = f.enroll(t, "kallio"), f.enroll(t, "oodi")
	return f
}

func (f *fixture) enroll(t *testing.T, branch string) string {
	t.Helper()
	ctx := context.Background()
	code, err := f.svc.NewEnrollCode(ctx, fleetAdmin, branch, 1, time.Hour)
	require.NoError(t, err)
	term, err := f.st.Enroll(ctx, auth.HashToken(auth.NormalizeCode(code.Code)), store.Terminal{
		ID: "t-" + branch, Name: branch + "-pc", Kind: "pc", TokenHash: auth.HashToken(auth.NewToken())}, time.Now())
	require.NoError(t, err)
	// An unverified wipe opens an alert on the terminal.
	data, _ := json.Marshal(protocol.WipeReceipt{SessionID: "s-1", EndedAt: time.Now(), Verified: false})
	_, err = f.st.Ingest(ctx, []store.Incoming{{TerminalID: term.ID, ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e", Seq: 1, Kind: protocol.EventWipe, At: time.Now(), Data: data}}})
	require.NoError(t, err)
	return term.ID
}

// A branch-scoped admin cannot see or act on another branch's terminal:
// every action answers "not found", as if it did not exist.
func TestBranchAdminCannotReachAnotherBranch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	actions := []struct {
		name string
		do   func(m staff.Member, id string) error
	}{
		{"get", func(m staff.Member, id string) error { _, err := f.svc.Get(ctx, m, id); return err }},
		{"health", func(m staff.Member, id string) error {
			_, err := f.svc.Health(ctx, m, id, time.Now().Add(-time.Hour))
			return err
		}},
		{"wipes", func(m staff.Member, id string) error { _, err := f.svc.WipeReceipts(ctx, m, id, 5); return err }},
		{"command", func(m staff.Member, id string) error {
			_, err := f.svc.SendCommand(ctx, m, id, terminals.CommandRequest{Type: protocol.CommandLock})
			return err
		}},
		{"revoke", func(m staff.Member, id string) error { _, err := f.svc.Revoke(ctx, m, id); return err }},
	}
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			err := a.do(kallioAdmin, f.oodi)
			assert.ErrorIs(t, err, fault.ErrNotFound)
			assert.Equal(t, `no terminal "t-oodi"`, err.Error(), "the same answer as for a terminal that does not exist")
			assert.ErrorIs(t, a.do(volunteer, f.kallio), fault.ErrForbidden)
			assert.NoError(t, a.do(kallioAdmin, f.kallio), "its own branch")
		})
	}
	f.link.take()
	assert.Len(t, f.link.delivered, 1, "one command, to kallio only")
	assert.Equal(t, []string{f.kallio}, f.link.disconnected)
}

func TestListAndAlertsKeepToTheBranch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		m      staff.Member
		branch string
		want   []string
	}{
		{"fleet admin sees all", fleetAdmin, "", []string{f.kallio, f.oodi}},
		{"fleet admin filters", fleetAdmin, "oodi", []string{f.oodi}},
		{"branch admin sees its branch", kallioAdmin, "", []string{f.kallio}},
		{"branch admin cannot ask for another", kallioAdmin, "oodi", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			views, err := f.svc.List(ctx, tc.m, tc.branch, "")
			require.NoError(t, err)
			var ids []string
			for _, v := range views {
				ids = append(ids, v.ID)
				assert.Equal(t, terminals.StatusOffline, v.Status)
				assert.NotNil(t, v.LastWipe)
			}
			assert.ElementsMatch(t, tc.want, ids)
			if tc.branch != "" {
				return
			}
			alerts, err := f.svc.Alerts(ctx, tc.m)
			require.NoError(t, err)
			var alerted []string
			for _, a := range alerts {
				alerted = append(alerted, a.TerminalID)
			}
			assert.ElementsMatch(t, tc.want, alerted)
		})
	}
	_, err := f.svc.List(ctx, fleetAdmin, "", "asleep")
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "status", fe.Field)
}

func TestCommandsAreCheckedAndRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   terminals.CommandRequest
		field string
	}{
		{"unknown type", terminals.CommandRequest{Type: "format_disk"}, "type"},
		{"message without text", terminals.CommandRequest{Type: protocol.CommandMessage}, "text"},
		{"ttl too long", terminals.CommandRequest{Type: protocol.CommandLock, TTL: 800 * time.Hour}, "ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.SendCommand(ctx, fleetAdmin, f.kallio, tc.req)
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	c, err := f.svc.SendCommand(ctx, kallioAdmin, f.kallio, terminals.CommandRequest{Type: protocol.CommandMessage, Text: "closing soon"})
	require.NoError(t, err)
	f.link.take()
	assert.Equal(t, []string{c.ID}, f.link.delivered)
	_, err = f.svc.Command(ctx, kallioAdmin, c.ID)
	assert.NoError(t, err)
	_, err = f.svc.Command(ctx, staff.Member{Name: "otto", Role: staff.RoleAdmin, Branches: []string{"oodi"}}, c.ID)
	assert.ErrorIs(t, err, fault.ErrNotFound, "a command to another branch's terminal")

	entries, err := f.st.AuditLog(ctx, 1)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, store.AuditEntry{At: entries[0].At, Actor: "kim", Action: "command:message", Target: f.kallio, Detail: "closing soon"}, entries[0])

	_, err = f.svc.Revoke(ctx, fleetAdmin, f.kallio)
	require.NoError(t, err)
	_, err = f.svc.SendCommand(ctx, fleetAdmin, f.kallio, terminals.CommandRequest{Type: protocol.CommandLock})
	assert.ErrorIs(t, err, fault.ErrConflict, "a revoked terminal")
}

func TestEnrollCodeScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		m      staff.Member
		branch string
		uses   int
		field  string
	}{
		{"another branch", kallioAdmin, "oodi", 1, "branch"},
		{"no such branch", fleetAdmin, "atlantis", 1, "branch"},
		{"no uses", fleetAdmin, "kallio", 0, "uses"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.NewEnrollCode(ctx, tc.m, tc.branch, tc.uses, time.Hour)
			fe, ok := fault.AsField(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	_, err := f.svc.NewEnrollCode(ctx, volunteer, "kallio", 1, time.Hour)
	assert.ErrorIs(t, err, fault.ErrForbidden)
}

// failingAudit is a store whose audit log cannot be written, which a
// healthy SQLite file cannot be made to do on cue.
type failingAudit struct{ *store.Store }

func (failingAudit) Audit(context.Context, store.AuditEntry) error {
	return errors.New("disk I/O error")
}

// An action whose record is lost is not reported as done.
func TestLostAuditRecordFailsTheAction(t *testing.T) {
	f := newFixture(t)
	f.svc.Audit = audit.New(failingAudit{f.st})
	_, err := f.svc.SendCommand(context.Background(), fleetAdmin, f.kallio, terminals.CommandRequest{Type: protocol.CommandLock})
	require.Error(t, err)
	assert.False(t, fault.Known(err), "an internal failure, not the caller's fault")
	assert.Contains(t, err.Error(), "audit: record command:lock")
	f.link.take()
	assert.Empty(t, f.link.delivered, "a command nobody can account for is not sent")
}

package signage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/auth"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/signage"
	"piste/fleet/signage/signagetest"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

var (
	fleetEditor  = staff.Member{Name: "fiona", Role: staff.RoleEditor}
	kallioEditor = staff.Member{Name: "kim", Role: staff.RoleEditor, Branches: []string{"kallio"}}
	oodiEditor   = staff.Member{Name: "olli", Role: staff.RoleEditor, Branches: []string{"oodi"}}
	volunteer    = staff.Member{Name: "vera", Role: staff.RoleVolunteer, Branches: []string{"kallio"}}
)

type rig struct {
	svc *signage.Service
	st  *store.Store
	now time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	r := &rig{st: st, now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	terms := map[string][]string{"kallio": {"t-k-screen", "t-k-lobby", "t-k-pc1", "t-k-pc2"}, "oodi": {"t-o-screen"}}
	for _, b := range []string{"kallio", "oodi"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: "Branch " + b, TZ: "Europe/Helsinki"}))
		require.NoError(t, st.AddEnrollCode(ctx, auth.HashToken(b), b, 10, time.Now().Add(time.Hour)))
		for _, id := range terms[b] {
			kind := "screen"
			if id[len(id)-3:len(id)-1] == "pc" {
				kind = "pc"
			}
			_, err := st.Enroll(ctx, auth.HashToken(b), store.Terminal{ID: id, Name: id, Kind: kind, TokenHash: auth.HashToken(id)}, time.Now())
			require.NoError(t, err)
		}
	}
	r.svc = signage.New(st, audit.New(st), changes.Discard, t.TempDir())
	r.svc.Now = func() time.Time { return r.now }
	return r
}

func (r *rig) terminal(t *testing.T, id string) store.Terminal {
	term, err := r.st.Terminal(context.Background(), id)
	require.NoError(t, err)
	return term
}

func (r *rig) manifest(t *testing.T, id string) protocol.Manifest {
	snap, err := r.svc.Snapshot(context.Background())
	require.NoError(t, err)
	return snap.Manifest(r.terminal(t, id))
}

func (r *rig) slide(t *testing.T, m staff.Member, title string) signage.Content {
	c, err := r.svc.MakeSlide(context.Background(), m, signage.SlideRequest{Kind: "text", Title: title, Lang: "fi"})
	require.NoError(t, err)
	return c
}

func (r *rig) playlist(t *testing.T, m staff.Member, ids ...string) signage.Playlist {
	var items []protocol.PlaylistEntry
	for _, id := range ids {
		items = append(items, protocol.PlaylistEntry{ContentID: id, Seconds: 10})
	}
	p, err := r.svc.CreatePlaylist(context.Background(), m, signage.PlaylistRequest{Name: "p", Items: items})
	require.NoError(t, err)
	return p
}

func TestScopeRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	mine := r.slide(t, kallioEditor, "Kallio news")
	shared := r.slide(t, fleetEditor, "City news")

	// A volunteer is no editor.
	_, err := r.svc.MakeSlide(ctx, volunteer, signage.SlideRequest{Kind: "text", Title: "x", Lang: "fi"})
	assert.ErrorIs(t, err, fault.ErrForbidden)
	// Another branch's editor cannot see or use Kallio's content...
	list, err := r.svc.ListContent(ctx, oodiEditor)
	require.NoError(t, err)
	for _, c := range list {
		assert.NotEqual(t, mine.ID, c.ID)
	}
	_, err = r.svc.CreatePlaylist(ctx, oodiEditor, signage.PlaylistRequest{Name: "x", Items: []protocol.PlaylistEntry{{ContentID: mine.ID, Seconds: 5}}})
	assert.ErrorIs(t, err, fault.ErrNotFound)
	// ...but fleet-wide content is everyone's.
	r.playlist(t, oodiEditor, shared.ID)
	// Targets stay within one's branches, and only fleet-wide staff reach every screen.
	p := r.playlist(t, kallioEditor, mine.ID)
	for _, tg := range []signage.Targets{{Branches: []string{"oodi"}}, {Terminals: []string{"t-o-screen"}}, {Branches: []string{"nowhere"}}} {
		_, err = r.svc.CreateSchedule(ctx, kallioEditor, signage.ScheduleRequest{PlaylistID: p.ID, Targets: tg})
		assert.ErrorIs(t, err, fault.ErrNotFound, "%+v", tg)
	}
	_, err = r.svc.SendNotice(ctx, kallioEditor, signage.NoticeRequest{Text: "x", Targets: signage.Targets{Branches: []string{"*"}}, ExpiresAt: r.now.Add(time.Hour)})
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = r.svc.CreateSchedule(ctx, kallioEditor, signage.ScheduleRequest{PlaylistID: p.ID})
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "targets", fe.Field)
	// A tag reaches only the tagging editor's own branches' screens.
	require.NoError(t, r.svc.SetTags(ctx, fleetEditor, "t-o-screen", []string{"lobby"}))
	require.NoError(t, r.svc.SetTags(ctx, kallioEditor, "t-k-lobby", []string{"lobby"}))
	assert.ErrorIs(t, r.svc.SetTags(ctx, kallioEditor, "t-o-screen", []string{"x"}), fault.ErrNotFound)
	_, err = r.svc.CreateSchedule(ctx, kallioEditor, signage.ScheduleRequest{PlaylistID: p.ID, Targets: signage.Targets{Tags: []string{"lobby"}}})
	require.NoError(t, err)
	assert.Len(t, r.manifest(t, "t-k-lobby").Schedules, 1)
	assert.Empty(t, r.manifest(t, "t-k-screen").Schedules, "an untagged screen")
	assert.Empty(t, r.manifest(t, "t-o-screen").Schedules, "another branch's screen with the same tag")
}

func TestDraftPublishAndAudit(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c := r.slide(t, kallioEditor, "Story time")
	p := r.playlist(t, kallioEditor, c.ID)
	s, err := r.svc.CreateSchedule(ctx, kallioEditor, signage.ScheduleRequest{PlaylistID: p.ID, Draft: true,
		Targets: signage.Targets{Branches: []string{"kallio"}}, Weekdays: []int{1, 2}, From: "22:00", To: "02:00"})
	require.NoError(t, err)
	assert.Equal(t, signage.StatusDraft, s.Status)
	assert.Empty(t, r.manifest(t, "t-k-screen").Schedules, "a draft reached a screen")
	assert.ErrorIs(t, r.svc.Publish(ctx, oodiEditor, s.ID), fault.ErrNotFound)
	require.NoError(t, r.svc.Publish(ctx, kallioEditor, s.ID))
	assert.ErrorIs(t, r.svc.Publish(ctx, kallioEditor, s.ID), fault.ErrConflict)
	m := r.manifest(t, "t-k-screen")
	require.Len(t, m.Schedules, 1)
	assert.Equal(t, "22:00", m.Schedules[0].From)
	require.NoError(t, m.Validate())
	require.Len(t, m.Items, 1)
	assert.Equal(t, c.SHA256, m.Items[0].SHA256)
	log, err := r.st.AuditLog(ctx, 50)
	require.NoError(t, err)
	found := false
	for _, e := range log {
		found = found || e.Actor == "kim" && e.Action == "signage.publish" && e.Target == s.ID
	}
	assert.True(t, found, "the publication is not audited")
	// Bad rules name the field.
	_, err = r.svc.CreateSchedule(ctx, kallioEditor, signage.ScheduleRequest{PlaylistID: p.ID, Targets: signage.Targets{Branches: []string{"kallio"}}, From: "25:00", To: "26:00"})
	_, ok := fault.AsField(err)
	assert.True(t, ok, "%v", err)
}

func TestNoticesAndExpiry(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	n, err := r.svc.SendNotice(ctx, kallioEditor, signage.NoticeRequest{Text: "Closing at 15", Targets: signage.Targets{Branches: []string{"kallio"}}, ExpiresAt: r.now.Add(time.Hour)})
	require.NoError(t, err)
	snap, err := r.svc.Snapshot(ctx)
	require.NoError(t, err)
	assert.Len(t, snap.Notices(r.terminal(t, "t-k-screen")).Notices, 1)
	assert.Empty(t, snap.Notices(r.terminal(t, "t-o-screen")).Notices)
	r.now = r.now.Add(61 * time.Minute)
	snap, err = r.svc.Snapshot(ctx)
	require.NoError(t, err)
	assert.Empty(t, snap.Notices(r.terminal(t, "t-k-screen")).Notices, "an expired notice stayed")
	assert.ErrorIs(t, r.svc.WithdrawNotice(ctx, oodiEditor, n.ID), fault.ErrNotFound)
	require.NoError(t, r.svc.WithdrawNotice(ctx, kallioEditor, n.ID))
	assert.ErrorIs(t, r.svc.WithdrawNotice(ctx, kallioEditor, n.ID), fault.ErrConflict)
	for _, bad := range []signage.NoticeRequest{
		{Text: "", Targets: signage.Targets{Branches: []string{"kallio"}}, ExpiresAt: r.now.Add(time.Hour)},
		{Text: "x", Targets: signage.Targets{Branches: []string{"kallio"}}, ExpiresAt: r.now.Add(-time.Minute)},
		{Text: "x", Targets: signage.Targets{Branches: []string{"kallio"}}, ExpiresAt: r.now.Add(15 * 24 * time.Hour)},
	} {
		_, err := r.svc.SendNotice(ctx, kallioEditor, bad)
		_, ok := fault.AsField(err)
		assert.True(t, ok, "%+v: %v", bad, err)
	}
}

func TestUploadStoredOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	img := signagetest.PNG(64, 36)
	a, err := r.svc.Upload(ctx, kallioEditor, "one", bytes.NewReader(img))
	require.NoError(t, err)
	b, err := r.svc.Upload(ctx, kallioEditor, "again", bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID, "the same bytes twice are one item")
	_, err = r.svc.Upload(ctx, kallioEditor, "bomb", bytes.NewReader(signagetest.Bomb(10000, 10000)))
	fe, ok := fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "file", fe.Field)
	assert.True(t, errors.Is(err, fault.ErrNotFound) == false)
	_, err = r.svc.MakeSlide(ctx, kallioEditor, signage.SlideRequest{Kind: "text", Title: "x", Lang: "fi", FG: "#777777", BG: "#888888"})
	fe, ok = fault.AsField(err)
	require.True(t, ok, "%v", err)
	assert.Contains(t, fe.Reason, "contrast")
}

// policiesFixed is a Policies answering every terminal with one policy.
type policiesFixed struct{ p policy.Policy }

func (f policiesFixed) Effective(context.Context, store.Terminal) (policy.Policy, error) {
	return f.p, nil
}

func TestLiveData(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	layer, err := policy.Parse([]byte("hours:\n  timezone: Europe/Helsinki\n  weekly:\n    mon: \"09:00-20:00\"\n  exceptions:\n    - date: 2026-12-08\n      hours: \"10:00-15:00\"\n      note: Short day\n"))
	require.NoError(t, err)
	pol, err := policy.Resolve(layer)
	require.NoError(t, err)
	// A PC taken out of the fleet is no computer to offer, online or not.
	_, err = r.st.Enroll(ctx, auth.HashToken("kallio"), store.Terminal{ID: "t-k-pc9", Name: "t-k-pc9", Kind: "pc",
		TokenHash: auth.HashToken("t-k-pc9")}, time.Now())
	require.NoError(t, err)
	require.NoError(t, r.st.RevokeTerminal(ctx, "t-k-pc9", time.Now()))
	online := map[string]bool{"t-k-pc1": true, "t-k-pc9": true}
	live := &signage.Live{Store: r.st, Policies: policiesFixed{pol}, Support: signage.PolicySupport{Store: r.st},
		Online: func(id string) bool { return online[id] }, Now: func() time.Time { return r.now }}
	d, err := live.Data(ctx, r.terminal(t, "t-k-screen"))
	require.NoError(t, err)
	assert.Equal(t, 2, d.TotalComputers)
	assert.Equal(t, 1, d.FreeComputers, "one PC online and idle, one offline")
	assert.Equal(t, "09:00", d.Open)
	assert.Equal(t, "20:00", d.Close)
	assert.Equal(t, "09:00–20:00", d.SupportHours)
	assert.False(t, d.VolunteerOnDuty)

	// A volunteer of the branch logs in: on duty.
	hash, _ := auth.HashPassword("volunteer password")
	require.NoError(t, r.st.AddUser(ctx, store.User{Name: "vera", Role: staff.RoleVolunteer, Branches: []string{"kallio"}, PWHash: hash}))
	u, err := r.st.UserByName(ctx, "vera")
	require.NoError(t, err)
	require.NoError(t, r.st.AddStaffSession(ctx, auth.HashToken("s"), u.ID, r.now.Add(30*time.Hour)))
	// The next day is an exception.
	r.now = r.now.Add(24 * time.Hour)
	d, err = live.Data(ctx, r.terminal(t, "t-k-screen"))
	require.NoError(t, err)
	assert.True(t, d.VolunteerOnDuty)
	assert.Equal(t, "10:00", d.Open)
	assert.Equal(t, "Short day", d.Exception)
	// Wednesday: not in the weekly hours, closed.
	r.now = r.now.Add(24 * time.Hour)
	d, err = live.Data(ctx, r.terminal(t, "t-k-screen"))
	require.NoError(t, err)
	assert.True(t, d.Closed)
	assert.Empty(t, d.SupportHours)
}

// fakeLink records what the pusher sends, as the hub would deliver it.
type fakeLink struct {
	mu     sync.Mutex
	online []string
	sent   map[string][]protocol.Notice
}

func (l *fakeLink) Send(id, typ string, body any) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string][]protocol.Notice{}
	}
	l.sent[id] = append(l.sent[id], body.(protocol.Notice))
	return true
}

func (l *fakeLink) OnlineIDs() []string { return l.online }

func (l *fakeLink) kinds(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, n := range l.sent[id] {
		out = append(out, n.Kind)
	}
	return out
}

func TestPusher(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bus := &changes.Bus{}
	r.svc.Changes = bus
	link := &fakeLink{online: []string{"t-k-screen", "t-k-pc1", "t-o-screen"}}
	p := &signage.Pusher{Service: r.svc, Link: link, Log: testLog(t), Refresh: time.Hour}
	p.Connected(ctx, r.terminal(t, "t-k-screen"))
	p.Connected(ctx, r.terminal(t, "t-k-pc1"))
	assert.Equal(t, []string{protocol.NoticeSignageNotices, protocol.NoticeSignageManifest}, link.kinds("t-k-screen"))
	assert.Empty(t, link.kinds("t-k-pc1"), "a PC got signage")
	done := p.Start(ctx, bus)

	_, err := r.svc.SendNotice(ctx, kallioEditor, signage.NoticeRequest{Text: "Now", Targets: signage.Targets{Branches: []string{"kallio"}}, ExpiresAt: r.now.Add(time.Hour)})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(link.kinds("t-k-screen")) == 3 }, 10*time.Second, 5*time.Millisecond)
	link.mu.Lock()
	var ns protocol.UrgentNotices
	require.NoError(t, json.Unmarshal(link.sent["t-k-screen"][2].Data, &ns))
	link.mu.Unlock()
	require.Len(t, ns.Notices, 1)
	assert.Equal(t, "Now", ns.Notices[0].Text)
	// The other branch's screen got its (empty) set on its first round, and nothing since.
	assert.Equal(t, []string{protocol.NoticeSignageNotices, protocol.NoticeSignageManifest}, link.kinds("t-o-screen"))
	cancel()
	<-done
}

// The live support slide follows the help domain: the support hours come
// from help.support, and a volunteer going on duty there (published as a
// help change) reaches the screens without waiting for the refresh tick.
func TestLiveSupportFollowsHelpDuty(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	layer, err := policy.Parse([]byte("hours:\n  timezone: Europe/Helsinki\n  weekly:\n    mon: \"09:00-20:00\"\nhelp:\n  support:\n    mon: \"10:00-16:00\"\n"))
	require.NoError(t, err)
	pol, err := policy.Resolve(layer)
	require.NoError(t, err)
	live := &signage.Live{Store: r.st, Policies: policiesFixed{pol}, Support: signage.DutySupport{Store: r.st},
		Online: func(string) bool { return false }, Now: func() time.Time { return r.now }}
	bus := &changes.Bus{}
	link := &fakeLink{online: []string{"t-k-screen"}}
	p := &signage.Pusher{Service: r.svc, Link: link, Live: live, Log: testLog(t), Refresh: time.Hour}
	lastLive := func() (protocol.LiveData, bool) {
		link.mu.Lock()
		defer link.mu.Unlock()
		var d protocol.LiveData
		found := false
		for _, n := range link.sent["t-k-screen"] {
			if n.Kind == protocol.NoticeSignageLive {
				require.NoError(t, json.Unmarshal(n.Data, &d))
				found = true
			}
		}
		return d, found
	}
	p.Connected(ctx, r.terminal(t, "t-k-screen"))
	d, ok := lastLive()
	require.True(t, ok, "no live data on connect")
	assert.Equal(t, "10:00–16:00", d.SupportHours, "support hours are help.support's, not the opening hours")
	assert.False(t, d.VolunteerOnDuty)

	// A volunteer merely logged in is not on duty.
	hash, _ := auth.HashPassword("volunteer password")
	require.NoError(t, r.st.AddUser(ctx, store.User{Name: "vera", Role: staff.RoleVolunteer, Branches: []string{"kallio"}, PWHash: hash}))
	u, err := r.st.UserByName(ctx, "vera")
	require.NoError(t, err)
	require.NoError(t, r.st.AddStaffSession(ctx, auth.HashToken("s"), u.ID, r.now.Add(30*time.Hour)))
	d, err = live.Data(ctx, r.terminal(t, "t-k-screen"))
	require.NoError(t, err)
	assert.False(t, d.VolunteerOnDuty, "a login is not duty")

	done := p.Start(ctx, bus)
	require.NoError(t, r.st.SetDuty(ctx, u.ID, "Vera", []string{"kallio"}, true, r.now))
	bus.Publish(changes.Change{Kind: changes.HelpChanged, Branch: "kallio"})
	require.Eventually(t, func() bool { d, _ := lastLive(); return d.VolunteerOnDuty }, 10*time.Second, 5*time.Millisecond,
		"going on duty did not reach the screen")
	require.NoError(t, r.st.SetDuty(ctx, u.ID, "Vera", []string{"kallio"}, false, r.now))
	bus.Publish(changes.Change{Kind: changes.HelpChanged, Branch: "kallio"})
	require.Eventually(t, func() bool { d, _ := lastLive(); return !d.VolunteerOnDuty }, 10*time.Second, 5*time.Millisecond,
		"going off duty did not reach the screen")
	cancel()
	<-done
}

package help

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/audit"
	"piste/fleet/changes"
	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// defaultPolicy gives every terminal the shipped policy.
type defaultPolicy struct{}

func (defaultPolicy) Effective(context.Context, store.Terminal) (policy.Policy, error) {
	return policy.Defaults(), nil
}

// sentNotices records the notices sent to terminals, all taken as connected.
type sentNotices struct {
	mu   sync.Mutex
	sent map[string][]protocol.HelpNotice
}

func (l *sentNotices) Send(id, typ string, body any) bool {
	n := body.(protocol.Notice)
	var hn protocol.HelpNotice
	if err := json.Unmarshal(n.Data, &hn); err != nil {
		panic(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string][]protocol.HelpNotice{}
	}
	l.sent[id] = append(l.sent[id], hn)
	return true
}

func (l *sentNotices) OnlineIDs() []string { return nil }

func (l *sentNotices) last(id string) protocol.HelpNotice {
	l.mu.Lock()
	defer l.mu.Unlock()
	ns := l.sent[id]
	if len(ns) == 0 {
		return protocol.HelpNotice{}
	}
	return ns[len(ns)-1]
}

type fixture struct {
	svc   *Service
	st    *store.Store
	bus   *changes.Bus
	link  *sentNotices
	now   time.Time
	a1    store.Terminal // branch a
	a2    store.Terminal // branch a
	b1    store.Terminal // branch b
	anna  staff.Member   // volunteer of a
	bert  staff.Member   // volunteer of a
	cecil staff.Member   // volunteer of b
	ed    staff.Member   // editor of a
	admin staff.Member   // fleet-wide admin
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, bus: &changes.Bus{}, link: &sentNotices{}, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	for _, b := range []string{"a", "b"} {
		require.NoError(t, st.AddBranch(ctx, store.Branch{ID: b, Name: "Branch " + b, TZ: "Europe/Helsinki"}))
		require.NoError(t, st.AddEnrollCode(ctx, "code-"+b, b, 10, f.now.Add(time.Hour)))
	}
	enroll := func(id, branch string) store.Terminal {
		tm, err := st.Enroll(ctx, "code-"+branch, store.Terminal{ID: id, Name: "PC " + id, Kind: "pc", TokenHash: "tok-" + id}, f.now)
		require.NoError(t, err)
		return tm
	}
	f.a1, f.a2, f.b1 = enroll("t-a1", "a"), enroll("t-a2", "a"), enroll("t-b1", "b")
	user := func(name, role, branch string) staff.Member {
		var branches []string
		if branch != "" {
			branches = []string{branch}
		}
		require.NoError(t, st.AddUser(ctx, store.User{Name: name, Role: role, Branches: branches, PWHash: "x"}))
		u, err := st.UserByName(ctx, name)
		require.NoError(t, err)
		return staff.Member{ID: u.ID, Name: u.Name, Role: u.Role, Branches: u.Branches}
	}
	f.anna, f.bert, f.cecil = user("anna", staff.RoleVolunteer, "a"), user("bert", staff.RoleVolunteer, "a"), user("cecil", staff.RoleVolunteer, "b")
	f.ed, f.admin = user("ed", staff.RoleEditor, "a"), user("root", staff.RoleAdmin, "")
	lg := audit.New(st)
	f.svc = New(st, defaultPolicy{}, f.link, f.bus, lg, nil)
	f.svc.Now = func() time.Time { return f.now }
	lg.Now = f.svc.Now
	return f
}

func (f *fixture) ask(t *testing.T, term store.Terminal, session string) protocol.HelpView {
	t.Helper()
	v, err := f.svc.Ask(context.Background(), term, protocol.HelpAsk{Topic: "email", Language: "fi", Note: "en pääse sisään", SessionID: session})
	require.NoError(t, err)
	return v
}

func TestAskValidates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		ask   protocol.HelpAsk
		field string
	}{
		{"unknown topic", protocol.HelpAsk{Topic: "cooking", Language: "fi"}, "topic"},
		{"bad topic id", protocol.HelpAsk{Topic: "<b>", Language: "fi"}, "topic"},
		{"bad language", protocol.HelpAsk{Topic: "email", Language: "de"}, "language"},
		{"long note", protocol.HelpAsk{Topic: "email", Language: "fi", Note: strings.Repeat("ä", protocol.MaxHelpNote+1)}, "note"},
		{"control characters", protocol.HelpAsk{Topic: "email", Language: "fi", Note: "a\x1b[2Jb"}, "note"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Ask(ctx, f.a1, tc.ask)
			fe, ok := fault.AsField(err)
			require.True(t, ok, "want a field error, got %v", err)
			assert.Equal(t, tc.field, fe.Field)
		})
	}
	live, err := f.st.LiveHelpRequests(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, live, "a refused request is not stored")

	screen := f.a1
	screen.Kind = string(protocol.KindScreen)
	_, err = f.svc.Ask(ctx, screen, protocol.HelpAsk{Topic: "email", Language: "fi"})
	assert.ErrorIs(t, err, fault.ErrForbidden)
}

func TestOneLiveRequestPerTerminalAndQueuePlaces(t *testing.T) {
	f := newFixture(t)
	first := f.ask(t, f.a1, "s1")
	assert.Equal(t, protocol.HelpOpen, first.Status)
	assert.Equal(t, 1, first.Position)
	again := f.ask(t, f.a1, "s1")
	assert.Equal(t, first.ID, again.ID, "asking twice gives the same request")
	f.now = f.now.Add(time.Minute)
	second := f.ask(t, f.a2, "s2")
	assert.Equal(t, 2, second.Position)
	other := f.ask(t, f.b1, "s3")
	assert.Equal(t, 1, other.Position, "queues are per branch")
}

func TestBranchAndRoleBoundaries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ra := f.ask(t, f.a1, "s1")
	rb := f.ask(t, f.b1, "s2")

	q, err := f.svc.Queue(ctx, f.anna)
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, ra.ID, q[0].ID)

	q, err = f.svc.Queue(ctx, f.cecil)
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, rb.ID, q[0].ID)

	_, err = f.svc.Claim(ctx, f.anna, rb.ID)
	assert.ErrorIs(t, err, fault.ErrNotFound, "another branch's request is not found")
	_, err = f.svc.Queue(ctx, f.ed)
	assert.ErrorIs(t, err, fault.ErrForbidden, "an editor sees no requests")
	_, err = f.svc.Claim(ctx, f.ed, ra.ID)
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, _, err = f.svc.ItemFor(ctx, f.ed, ra.ID)
	assert.NoError(t, err)
	_, ok, _ := f.svc.ItemFor(ctx, f.cecil, ra.ID)
	assert.False(t, ok)

	q, err = f.svc.Queue(ctx, f.admin)
	require.NoError(t, err)
	assert.Len(t, q, 2, "a fleet-wide admin sees every branch")

	_, err = f.svc.LogWalkIn(ctx, f.anna, WalkIn{Branch: "b", Topic: "email", Language: "fi"})
	assert.Error(t, err, "a volunteer logs walk-ins only in their branch")
	_, err = f.svc.Stats(ctx, f.anna, f.now, f.now)
	assert.ErrorIs(t, err, fault.ErrForbidden, "statistics are for admins")
}

func TestClaimRaceHasOneWinner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.ask(t, f.a1, "s1")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []staff.Member{f.anna, f.bert} {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = f.svc.Claim(ctx, m, r.ID) }()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, fault.ErrConflict)
			assert.Contains(t, err.Error(), "claimed by")
		}
	}
	assert.Equal(t, 1, won, "exactly one claim wins: %v", errs)
}

func TestLifecycleChatAndNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.SetDuty(ctx, f.anna, true, "Anna")
	require.NoError(t, err)
	r := f.ask(t, f.a1, "s1")

	it, err := f.svc.Claim(ctx, f.anna, r.ID)
	require.NoError(t, err)
	assert.True(t, it.Mine)
	assert.Equal(t, "Anna", it.Volunteer)
	_, err = f.svc.Say(ctx, f.bert, r.ID, "hei")
	assert.ErrorIs(t, err, fault.ErrConflict, "only the claimer chats")
	_, err = f.svc.Say(ctx, f.anna, r.ID, "Tulen kohta")
	require.NoError(t, err)
	v, err := f.svc.VisitorSay(ctx, f.a1, r.ID, "kiitos")
	require.NoError(t, err)
	require.Len(t, v.Messages, 2)
	assert.Equal(t, protocol.FromVolunteer, v.Messages[0].From)
	assert.Equal(t, "kiitos", v.Messages[1].Text)
	_, err = f.svc.VisitorSay(ctx, f.a2, r.ID, "not mine")
	assert.ErrorIs(t, err, fault.ErrNotFound, "a terminal writes only to its own request")

	f.svc.Notify(ctx, f.a1, true)
	n := f.link.last(f.a1.ID)
	require.NotNil(t, n.Request)
	assert.Equal(t, protocol.HelpClaimed, n.Request.Status)
	assert.Equal(t, "Anna", n.Request.Volunteer)
	assert.Equal(t, 1, n.Support.OnDuty)

	_, err = f.svc.Release(ctx, f.bert, r.ID)
	assert.ErrorIs(t, err, fault.ErrConflict, "a volunteer releases only their own claim")
	_, err = f.svc.Release(ctx, f.admin, r.ID)
	require.NoError(t, err, "an admin releases anyone's")
	_, err = f.svc.Claim(ctx, f.bert, r.ID)
	require.NoError(t, err)
	f.now = f.now.Add(5 * time.Minute)
	_, err = f.svc.Resolve(ctx, f.bert, r.ID, "great", "")
	assert.Error(t, err)
	_, err = f.svc.Resolve(ctx, f.anna, r.ID, protocol.OutcomeSolved, "")
	assert.ErrorIs(t, err, fault.ErrConflict, "anna released it")
	it, err = f.svc.Resolve(ctx, f.bert, r.ID, protocol.OutcomeSolved, "eservices")
	require.NoError(t, err)
	assert.Equal(t, protocol.HelpResolved, it.Status)
	_, err = f.svc.VisitorSay(ctx, f.a1, r.ID, "late")
	assert.ErrorIs(t, err, fault.ErrConflict)

	st, err := f.svc.Stats(ctx, f.admin, f.now, f.now)
	require.NoError(t, err)
	require.Len(t, st.Rows, 1)
	assert.Equal(t, "eservices", st.Rows[0].Topic, "the corrected topic counts")
	assert.Equal(t, 1, st.Totals.Helped)
	assert.Equal(t, 1, st.Totals.Branches)
	assert.Equal(t, []string{"eservices"}, st.Totals.NewTopics, "nobody was helped with it the day before")
	st, err = f.svc.Stats(ctx, f.admin, f.now.AddDate(0, 0, 1), f.now.AddDate(0, 0, 1))
	require.NoError(t, err)
	assert.Empty(t, st.Totals.NewTopics)
}

func TestSessionEndAndWelcomeExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inSession := f.ask(t, f.a1, "s1")
	welcome := f.ask(t, f.a2, "")
	f.svc.SessionEnded(ctx, f.a1.ID, "s1")
	got, err := f.st.HelpRequest(ctx, inSession.ID)
	require.NoError(t, err)
	assert.Equal(t, "cancelled", got.Status)

	f.now = f.now.Add(14 * time.Minute)
	f.svc.Expire(ctx)
	got, _ = f.st.HelpRequest(ctx, welcome.ID)
	assert.Equal(t, "open", got.Status)
	f.now = f.now.Add(2 * time.Minute)
	f.svc.Expire(ctx)
	got, _ = f.st.HelpRequest(ctx, welcome.ID)
	assert.Equal(t, "expired", got.Status, "help.welcome_timeout_minutes is 15")

	// A claimed welcome request goes with the visitor into the session.
	w2 := f.ask(t, f.a2, "")
	_, err = f.svc.Claim(ctx, f.anna, w2.ID)
	require.NoError(t, err)
	f.svc.SessionStarted(ctx, f.a2.ID, "s9")
	got, _ = f.st.HelpRequest(ctx, w2.ID)
	assert.Equal(t, "claimed", got.Status)
	f.svc.SessionEnded(ctx, f.a2.ID, "s9")
	got, _ = f.st.HelpRequest(ctx, w2.ID)
	assert.Equal(t, "cancelled", got.Status)
}

func TestExportSuppressesSmallCountsAndHoldsNoIdentity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secret := "my card 12345678 name Maija"
	for i := range 6 {
		term := f.a1
		if i%2 == 1 {
			term = f.a2
		}
		v, err := f.svc.Ask(ctx, term, protocol.HelpAsk{Topic: "email", Language: "fi", Note: secret, SessionID: "s"})
		require.NoError(t, err)
		f.now = f.now.Add(time.Minute)
		_, err = f.svc.Claim(ctx, f.anna, v.ID)
		require.NoError(t, err)
		_, err = f.svc.Resolve(ctx, f.anna, v.ID, protocol.OutcomeSolved, "")
		require.NoError(t, err)
	}
	_, err := f.svc.Ask(ctx, f.b1, protocol.HelpAsk{Topic: "printing", Language: "sv", SessionID: "s"})
	require.NoError(t, err)
	st, err := f.svc.Stats(ctx, f.admin, f.now, f.now)
	require.NoError(t, err)
	e := Anonymous(st)
	var buf bytes.Buffer
	require.NoError(t, e.WriteCSV(&buf))
	js, err := json.Marshal(e)
	require.NoError(t, err)
	for _, out := range []string{buf.String(), string(js)} {
		for _, bad := range []string{"12345678", "Maija", "t-a1", "t-a2", "PC ", "anna"} {
			assert.NotContains(t, out, bad)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, strings.Join(CSVHeader, ","), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "a,2026-12-01,email,fi,6,6,6,6,0,0,0,"), lines[1])
	assert.Equal(t, "b,2026-12-01,printing,sv,,0,0,0,0,0,0,,,", lines[2], "one request is suppressed")
}

func TestDutyAndSupport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sup, err := f.svc.Support(ctx, f.a1)
	require.NoError(t, err)
	assert.Equal(t, 0, sup.OnDuty)
	assert.True(t, sup.InHours, "the default policy is open round the clock")
	assert.Contains(t, sup.Topics, "eservices")

	_, err = f.svc.SetDuty(ctx, f.ed, true, "")
	assert.ErrorIs(t, err, fault.ErrForbidden)
	_, err = f.svc.SetDuty(ctx, f.anna, true, "<script>")
	require.NoError(t, err, "a display name is text; the pages escape it")
	_, err = f.svc.SetDuty(ctx, f.anna, true, strings.Repeat("x", MaxDisplayName+1))
	assert.Error(t, err)
	sup, _ = f.svc.Support(ctx, f.a1)
	assert.Equal(t, 1, sup.OnDuty)
	sup, _ = f.svc.Support(ctx, f.b1)
	assert.Equal(t, 0, sup.OnDuty, "duty is per branch")

	f.now = f.now.Add(90 * time.Minute)
	d, err := f.svc.SetDuty(ctx, f.anna, false, "")
	require.NoError(t, err)
	assert.False(t, d.On)
	st, err := f.svc.Stats(ctx, f.admin, f.now, f.now)
	require.NoError(t, err)
	assert.InDelta(t, 1.5, st.Totals.VolunteerHours, 0.01)
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	from, to, err := Period("", "", now)
	require.NoError(t, err)
	assert.Equal(t, "2026-11-02", from.Format(time.DateOnly))
	assert.Equal(t, "2026-12-01", to.Format(time.DateOnly))
	_, _, err = Period("2026-12-02", "2026-12-01", now)
	assert.Error(t, err)
	_, _, err = Period("yesterday", "", now)
	var fe *fault.FieldError
	assert.True(t, errors.As(err, &fe))
}

func TestNotesChatAndWhoAreForgottenAfterClosing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	v := f.ask(t, f.a1, "s1")
	_, err := f.svc.Claim(ctx, f.anna, v.ID)
	require.NoError(t, err)
	_, err = f.svc.Say(ctx, f.anna, v.ID, "my phone number is 040 123")
	require.NoError(t, err)
	_, err = f.svc.Resolve(ctx, f.anna, v.ID, protocol.OutcomeSolved, "")
	require.NoError(t, err)
	n, err := f.st.ForgetHelpText(ctx, f.now.Add(-TextRetention))
	require.NoError(t, err)
	assert.Zero(t, n, "kept for a day")
	n, err = f.st.ForgetHelpText(ctx, f.now.Add(time.Minute))
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	r, err := f.st.HelpRequest(ctx, v.ID)
	require.NoError(t, err)
	assert.Empty(t, r.Note)
	assert.Empty(t, r.SessionID)
	assert.Empty(t, r.TerminalID, "nothing says which PC asked")
	assert.Empty(t, r.VolunteerName, "nor who helped")
	assert.Zero(t, r.VolunteerID)
	assert.Equal(t, protocol.OutcomeSolved, protocol.HelpOutcome(r.Outcome), "the outcome is counted")
	msgs, err := f.st.HelpMessages(ctx, v.ID)
	require.NoError(t, err)
	assert.Empty(t, msgs)
	st, err := f.svc.Stats(ctx, f.admin, f.now, f.now)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Totals.Helped, "statistics do without them")
}

func TestVolunteerOfSeveralBranches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.st.AddUser(ctx, store.User{Name: "mia", Role: staff.RoleVolunteer, Branches: []string{"a", "b"}, PWHash: "x"}))
	u, err := f.st.UserByName(ctx, "mia")
	require.NoError(t, err)
	mia := staff.Member{ID: u.ID, Name: u.Name, Role: u.Role, Branches: u.Branches}
	f.ask(t, f.a1, "s1")
	f.ask(t, f.b1, "s2")
	q, err := f.svc.Queue(ctx, mia)
	require.NoError(t, err)
	assert.Len(t, q, 2)
	d, err := f.svc.SetDuty(ctx, mia, true, "Mia")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b"}, d.Branches, "on duty in every branch served")
	_, err = f.svc.LogWalkIn(ctx, mia, WalkIn{Topic: "email", Language: "fi"})
	assert.Error(t, err, "with several branches a walk-in names its branch")
	_, err = f.svc.LogWalkIn(ctx, mia, WalkIn{Branch: "b", Topic: "email", Language: "fi", Claim: true})
	require.NoError(t, err)
}

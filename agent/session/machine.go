// Package session is the visitor-session state machine the agent owns:
// idle → authenticating → active → warning → ending → wiping → idle, and
// out_of_service. It keeps the session's clock on the terminal (so it runs
// on while the fleet is unreachable), asks the fleet to log visitors in,
// ends sessions on time, at closing, after idle or on command, and runs the
// privacy wipe at every end, failing closed when the wipe is not verified.
//
// The machine is pure logic over injected parts: a Clock, a Fleet, a
// Wiper, an event sink (the durable outbox) and a status publisher. The
// daemon calls Tick about once a second; tests call it with a fake clock.
//
// Visitor activity is what the kiosk reports through the local API: every
// intent (login, extend, language, accessibility, help, still here)
// counts, status reads and watches do not. Input the visitor gives to
// other programs is not seen, so idle_logout_minutes counts from the
// visitor's last touch of the kiosk UI. Since that can be long ago for
// someone busy in a browser, the machine never ends a session for idleness
// without warning: IdleWarning before the idle end it sets Session.Idle,
// which brings the kiosk bar to the front with an "I'm still here" button
// (StillHere), and the end comes only once that warning has been shown for
// IdleWarning, however late the clock ticked.
package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"piste/agent/localapi"
	"piste/agent/wipe"
	"piste/fleet/protocol"
	"piste/policies/policy"
)

// Clock tells the time; tests use a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock. Its readings carry Go's monotonic clock,
// so a session's end does not move when the wall clock is set.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Wiper runs the privacy wipe; wipe.Engine is one.
type Wiper interface {
	Wipe(ctx context.Context, req wipe.Request) wipe.Receipt
}

// Config builds a Machine.
type Config struct {
	Clock Clock
	Fleet Fleet
	Wiper Wiper
	// Emit appends an event to the durable outbox.
	Emit func(kind string, data any)
	// Publish changes the status the local API shows. It is called with the
	// machine's lock held and must not call back into the machine.
	Publish func(func(*localapi.Status))
	// StateDir holds the session marker (see MarkerFile).
	StateDir string
	Policy   policy.Policy
	Log      *slog.Logger
	// FleetTimeout bounds each question to the fleet (default
	// protocol.AgentVisitorTimeout; the fleet answers before it).
	FleetTimeout time.Duration
	// WipeTimeout bounds one wipe (default 10 minutes).
	WipeTimeout time.Duration
}

// Reasons for out_of_service the machine sets.
const (
	ReasonLocked     = "locked"
	ReasonWipeFailed = "wipe_failed"
)

// Machine is one terminal's visitor session state.
type Machine struct {
	cfg Config
	log *slog.Logger

	mu          sync.Mutex
	pol         policy.Policy
	state       localapi.State
	reason      string
	hold        string // "locked" or "revoked": kept through wipes until lifted
	sess        *running
	reservation *protocol.Reservation
	refusal     *localapi.Refusal
	activity    time.Time
	idleWarned  time.Time // when the idle warning was first shown; zero when none is
	wiping      bool      // a wipe runs in the background
	// linkDown: the fleet link was down, as the link last said. Only then
	// may an unanswered login become a walk-up session.
	linkDown   bool
	cardChecks cardBucket // the terminal's own limit on card checks
	wg         sync.WaitGroup
}

// running is the session in progress.
type running struct {
	id            string
	kind          protocol.SessionKind
	user          string
	started, ends time.Time
	endsAtClosing bool
	extensions    int
	cardHint      string
}

// New builds the machine. If the state dir holds a session marker (the
// agent stopped mid-session), the machine starts in state wiping and Start
// runs the recovery wipe; the local API never reports idle before it.
func New(cfg Config) *Machine {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.FleetTimeout == 0 {
		cfg.FleetTimeout = protocol.AgentVisitorTimeout
	}
	if cfg.WipeTimeout == 0 {
		cfg.WipeTimeout = 10 * time.Minute
	}
	m := &Machine{cfg: cfg, log: cfg.Log, pol: cfg.Policy, state: localapi.StateIdle}
	if _, found := readMarker(cfg.StateDir); found {
		m.state = localapi.StateWiping
	}
	m.publishLocked(true)
	return m
}

// Start runs the recovery wipe if New found a marker. It returns at once.
func (m *Machine) Start() {
	mk, found := readMarker(m.cfg.StateDir)
	if !found {
		m.mu.Lock()
		m.emitStateLocked()
		m.mu.Unlock()
		return
	}
	m.log.Warn("unfinished session found at start: wiping before anyone logs in", "session", mk.SessionID)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg.Emit(protocol.EventSession, protocol.SessionEvent{SessionID: mk.SessionID, Kind: mk.Kind, Phase: protocol.PhaseEnd,
		StartedAt: mk.StartedAt, EndedAt: m.cfg.Clock.Now().UTC(), Trigger: wipe.TriggerRecovery})
	m.emitStateLocked()
	m.startWipeLocked(mk.SessionID, mk.User, wipe.TriggerRecovery, nil)
}

// Wait returns when no wipe runs in the background.
func (m *Machine) Wait() { m.wg.Wait() }

// SetPolicy applies a new effective policy. A running session keeps its
// end, except that it never runs past the new closing time.
func (m *Machine) SetPolicy(p policy.Policy) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pol = p
	m.tickLocked(m.cfg.Clock.Now())
	m.publishLocked(false) // the library's name may have changed
}

// Policy returns the policy in force.
func (m *Machine) Policy() policy.Policy {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pol
}

// SetReservation shows the terminal's current or next reservation; nil
// clears it.
func (m *Machine) SetReservation(r *protocol.Reservation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reservation = r
	m.publishLocked(false)
}

// Tick moves the clock on: warnings, the end of time, closing time, idle
// logout, and the expiry of a reservation.
func (m *Machine) Tick() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tickLocked(m.cfg.Clock.Now())
}

func (m *Machine) tickLocked(now time.Time) {
	if r := m.reservation; r != nil && !now.Before(r.Until) {
		m.reservation = nil
	}
	s := m.sess
	if s == nil || !inSession(m.state) {
		m.publishLocked(false)
		return
	}
	if limit, ok := m.closingLimit(now); ok && limit.Before(s.ends) {
		s.ends, s.endsAtClosing = limit, true
	}
	switch {
	case !now.Before(s.ends) && s.endsAtClosing:
		m.endLocked(wipe.TriggerClosing)
	case !now.Before(s.ends):
		m.endLocked(wipe.TriggerTimeout)
	case m.idleEndedLocked(now):
		m.endLocked(wipe.TriggerIdle)
	case s.ends.Sub(now) <= minutes(slices.Max(append([]int{0}, m.pol.Session.WarnMinutes...))):
		m.setLocked(localapi.StateWarning, "")
	default:
		m.setLocked(localapi.StateActive, "")
	}
}

func inSession(st localapi.State) bool {
	return st == localapi.StateActive || st == localapi.StateWarning
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// closingLimit is the latest a session may run to from now: closing time
// less policy end_before_closing_minutes. ok is false when the library
// stays open beyond the look-ahead; a closed library gives now.
func (m *Machine) closingLimit(now time.Time) (time.Time, bool) {
	closing, open := m.pol.Hours.ClosingAfter(now)
	if !open {
		return now, true
	}
	if closing.IsZero() {
		return time.Time{}, false
	}
	return closing.Add(-minutes(m.pol.Session.EndBeforeClosingMinutes)), true
}

// SetLinkDown records whether the fleet link is down (true) or up or not
// yet known (false); the daemon calls it on every change of the link.
func (m *Machine) SetLinkDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.linkDown = down
}

// Login starts a library-card session.
func (m *Machine) Login(ctx context.Context, card, pin string) error {
	return m.begin(ctx, true, func(ctx context.Context) (protocol.SessionGrant, error) {
		return m.cfg.Fleet.Login(ctx, card, pin)
	})
}

// Guest starts a guest-pass session.
func (m *Machine) Guest(ctx context.Context, code string) error {
	return m.begin(ctx, false, func(ctx context.Context) (protocol.SessionGrant, error) {
		return m.cfg.Fleet.Guest(ctx, code)
	})
}

// AdmitReserve says whether a visitor may reserve this terminal now: from
// the welcome screen only (a visitor in a session has no need to, and
// the card checks would only load the library system), and within the
// card checks this terminal allows itself, which logins share.
func (m *Machine) AdmitReserve() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	m.touchLocked(now)
	if m.state != localapi.StateIdle {
		return &localapi.Refusal{Code: localapi.RefusalBusy, Message: "reservations are made from the welcome screen; the terminal is " + string(m.state)}
	}
	if ref := m.cardChecks.take(now); ref != nil {
		return ref
	}
	return nil
}

// begin runs one login: it admits the attempt, asks the fleet without
// holding the lock, then starts the session or shows the refusal. A
// login the fleet did not answer starts a walk-up session only when the
// link was down before the visitor asked: a fleet that is up but slow
// (which a visitor might cause) must not open the terminal to anyone.
func (m *Machine) begin(ctx context.Context, card bool, ask func(context.Context) (protocol.SessionGrant, error)) error {
	m.mu.Lock()
	now := m.cfg.Clock.Now()
	m.touchLocked(now)
	if err := m.admitLocked(now); err != nil {
		m.mu.Unlock()
		return err
	}
	if card {
		if ref := m.cardChecks.take(now); ref != nil {
			defer m.mu.Unlock()
			m.refusal = ref
			m.publishLocked(false)
			return ref
		}
	}
	wasDown := m.linkDown
	m.refusal = nil
	m.setLocked(localapi.StateAuthenticating, "")
	m.mu.Unlock()

	askCtx, cancel := context.WithTimeout(ctx, m.cfg.FleetTimeout)
	grant, err := ask(askCtx)
	cancel()

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != localapi.StateAuthenticating {
		// Locked or put out of service while the fleet was asked.
		return m.refuseLocked(localapi.RefusalBusy, "the terminal left the login screen while the fleet was asked", false)
	}
	now = m.cfg.Clock.Now()
	if errors.Is(err, ErrUnreachable) && wasDown {
		m.log.Warn("fleet unreachable at login", "err", err, "offline", m.pol.Session.Offline)
		return m.walkupLocked(now)
	}
	if errors.Is(err, ErrUnreachable) {
		m.log.Warn("fleet did not answer a login while the link was up: refused, no walk-up", "err", err)
		return m.refuseLocked(localapi.RefusalUnavailable,
			"the fleet did not answer; try again or ask the staff (walk-up sessions start only when the link was already down)", true)
	}
	if err != nil {
		var ref *localapi.Refusal
		if !errors.As(err, &ref) {
			ref = &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: err.Error()}
		}
		m.refusal = ref
		m.setLocked(localapi.StateIdle, "")
		return ref
	}
	return m.startLocked(now, grant)
}

// admitLocked checks that a login may be tried now.
func (m *Machine) admitLocked(now time.Time) error {
	if m.state != localapi.StateIdle {
		return &localapi.Refusal{Code: localapi.RefusalBusy, Message: "the terminal is " + string(m.state)}
	}
	if limit, ok := m.closingLimit(now); ok && !limit.After(now) {
		return m.refuseLocked(localapi.RefusalClosed, "the library is closed or closes within end_before_closing_minutes", false)
	}
	return nil
}

// refuseLocked shows a refusal on the kiosk and returns it; toIdle moves
// the machine back to the welcome screen.
func (m *Machine) refuseLocked(code protocol.RefusalCode, msg string, toIdle bool) error {
	ref := &localapi.Refusal{Code: code, Message: msg}
	m.refusal = ref
	if toIdle {
		m.setLocked(localapi.StateIdle, "")
	}
	m.publishLocked(false)
	return ref
}

// walkupLocked decides a login while the fleet is unreachable.
func (m *Machine) walkupLocked(now time.Time) error {
	if m.pol.Session.Offline != policy.OfflineAllowWalkup {
		return m.refuseLocked(localapi.RefusalOffline, "the fleet is unreachable and policy session.offline is deny", true)
	}
	length := minutes(m.pol.Session.WalkupMinutes)
	if r := m.reservation; r != nil && r.From.Before(now.Add(length)) {
		if !now.Before(r.From) {
			return m.refuseLocked(localapi.RefusalReserved, "the terminal is reserved now and the fleet cannot check the card", true)
		}
		length = r.From.Sub(now)
	}
	grant := protocol.SessionGrant{SessionID: "walkup-" + randomID(), Kind: protocol.SessionWalkup,
		Minutes: int(length / time.Minute), GrantedAt: now}
	return m.startWithLength(now, grant, length)
}

func (m *Machine) startLocked(now time.Time, g protocol.SessionGrant) error {
	length := minutes(min(g.Minutes, m.pol.Session.MaxMinutes))
	return m.startWithLength(now, g, length)
}

func (m *Machine) startWithLength(now time.Time, g protocol.SessionGrant, length time.Duration) error {
	s := &running{id: g.SessionID, kind: g.Kind, user: m.pol.Session.KioskUser, started: now,
		ends: now.Add(length), endsAtClosing: g.EndsAtClosing, cardHint: g.CardHint}
	if limit, ok := m.closingLimit(now); ok && !limit.After(s.ends) {
		s.ends, s.endsAtClosing = limit, true
	}
	if !s.ends.After(now) {
		return m.refuseLocked(localapi.RefusalClosed, "no time is left before closing", true)
	}
	if s.id == "" {
		return m.refuseLocked(localapi.RefusalUnavailable, "the fleet granted a session without an id", true)
	}
	// The marker comes first: a session that could not be recovered after a
	// crash must not start at all.
	mk := Marker{SessionID: s.id, Kind: s.kind, User: s.user, StartedAt: now.UTC()}
	if err := writeMarker(m.cfg.StateDir, mk); err != nil {
		m.log.Error("session not started", "err", err)
		return m.refuseLocked(localapi.RefusalUnavailable, err.Error(), true)
	}
	m.cfg.Emit(protocol.EventSession, protocol.SessionEvent{SessionID: s.id, Kind: s.kind, Phase: protocol.PhaseStart, StartedAt: now.UTC()})
	m.sess, m.refusal, m.activity, m.idleWarned = s, nil, now, time.Time{}
	m.setLocked(localapi.StateActive, "")
	m.log.Info("session started", "session", s.id, "kind", s.kind, "ends", s.ends.Format(time.RFC3339))
	m.tickLocked(now)
	return nil
}

// Extend asks the fleet for more time.
func (m *Machine) Extend(ctx context.Context) error {
	m.mu.Lock()
	now := m.cfg.Clock.Now()
	m.touchLocked(now)
	s := m.sess
	if s == nil || !inSession(m.state) {
		m.mu.Unlock()
		return &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "no session is running"}
	}
	if err := m.canExtendLocked(now); err != nil {
		defer m.mu.Unlock()
		return m.refuseLocked(err.Code, err.Message, false)
	}
	id := s.id
	m.mu.Unlock()

	askCtx, cancel := context.WithTimeout(ctx, m.cfg.FleetTimeout)
	ext, err := m.cfg.Fleet.Extend(askCtx, id)
	cancel()

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != s || !inSession(m.state) {
		return &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "the session ended while the fleet was asked"}
	}
	if errors.Is(err, ErrUnreachable) {
		return m.refuseLocked(localapi.RefusalUnavailable, "the fleet is unreachable; the session runs to its end", false)
	}
	var ref *localapi.Refusal
	if errors.As(err, &ref) {
		return m.refuseLocked(ref.Code, ref.Message, false)
	}
	if err != nil {
		return m.refuseLocked(localapi.RefusalUnavailable, err.Error(), false)
	}
	if ext.Minutes <= 0 {
		return m.refuseLocked(localapi.RefusalQuotaExhausted, "the fleet granted no more time", false)
	}
	s.ends = s.ends.Add(minutes(ext.Minutes))
	s.extensions++
	m.refusal = nil
	m.tickLocked(m.cfg.Clock.Now())
	return nil
}

// canExtendLocked says why the running session cannot be extended, or nil.
func (m *Machine) canExtendLocked(now time.Time) *localapi.Refusal {
	s := m.sess
	switch {
	case s.kind == protocol.SessionWalkup:
		return &localapi.Refusal{Code: localapi.RefusalOffline, Message: "a walk-up session cannot be extended"}
	case s.extensions >= m.pol.Session.MaxExtensions:
		return &localapi.Refusal{Code: localapi.RefusalQuotaExhausted,
			Message: fmt.Sprintf("at most %d extensions (policy session.max_extensions)", m.pol.Session.MaxExtensions)}
	case s.endsAtClosing:
		return &localapi.Refusal{Code: localapi.RefusalClosed, Message: "the session already ends at closing time"}
	}
	if r := m.reservation; r != nil && r.From.Before(s.ends.Add(minutes(m.pol.Session.ExtendMinutes))) && r.Until.After(now) {
		return &localapi.Refusal{Code: localapi.RefusalReserved, Message: "the terminal is reserved after this session"}
	}
	return nil
}

// End ends the session at the visitor's request. Ending twice is fine.
func (m *Machine) End(ctx context.Context) error {
	return m.EndWith(wipe.TriggerVisitorEnd)
}

// EndWith ends the running session for the given reason and starts the
// wipe; it returns at once, with the kiosk showing "cleaning up".
func (m *Machine) EndWith(trigger wipe.Trigger) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.state == localapi.StateEnding || m.state == localapi.StateWiping:
		return nil
	case m.sess == nil || !inSession(m.state):
		return &localapi.Refusal{Code: localapi.RefusalUnavailable, Message: "no session is running"}
	}
	m.endLocked(trigger)
	return nil
}

// endLocked reports the end, resets the visitor's choices and starts the
// wipe in the background.
func (m *Machine) endLocked(trigger wipe.Trigger) { m.endAndWipeLocked(trigger, nil) }

func (m *Machine) endAndWipeLocked(trigger wipe.Trigger, done chan<- wipe.Receipt) {
	s := m.sess
	now := m.cfg.Clock.Now()
	used := int((now.Sub(s.started) + time.Minute - 1) / time.Minute)
	m.cfg.Emit(protocol.EventSession, protocol.SessionEvent{SessionID: s.id, Kind: s.kind, Phase: protocol.PhaseEnd,
		StartedAt: s.started.UTC(), EndedAt: now.UTC(), MinutesUsed: used, Trigger: trigger})
	m.log.Info("session ended", "session", s.id, "trigger", trigger)
	m.setLocked(localapi.StateEnding, "")
	m.cfg.Publish(m.resetChoices)
	m.startWipeLocked(s.id, s.user, trigger, done)
}

// resetChoices puts language and accessibility back to the policy's.
func (m *Machine) resetChoices(st *localapi.Status) {
	a := m.pol.Accessibility
	st.Language = string(a.DefaultLanguage)
	st.Accessibility = localapi.Accessibility{TextScale: a.TextScale, HighContrast: a.HighContrast}
}

// startWipeLocked runs the wipe in the background; done, if set, gets the
// receipt once the machine has acted on it.
func (m *Machine) startWipeLocked(sessionID, user string, trigger wipe.Trigger, done chan<- wipe.Receipt) {
	if user == "" {
		user = m.pol.Session.KioskUser
	}
	req := wipe.Request{SessionID: sessionID, Trigger: trigger, User: user, Skeleton: m.pol.Wipe.Skeleton,
		ExtraPaths: slices.Clone(m.pol.Wipe.ExtraPaths), Grace: time.Duration(m.pol.Wipe.GraceSeconds) * time.Second}
	m.wiping = true
	m.setLocked(localapi.StateWiping, "")
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), m.cfg.WipeTimeout)
		r := m.cfg.Wiper.Wipe(ctx, req)
		cancel()
		m.finishWipe(r)
		if done != nil {
			done <- r
		}
	}()
}

// finishWipe reports the receipt and leaves the terminal in service only
// when the wipe is verified.
func (m *Machine) finishWipe(r wipe.Receipt) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wiping = false
	m.cfg.Emit(protocol.EventWipe, r)
	m.sess = nil
	if !r.Verified {
		m.log.Error("wipe not verified: terminal out of service", "session", r.SessionID, "failures", r.Failures)
		m.setLocked(localapi.StateOutOfService, ReasonWipeFailed)
		return
	}
	if err := removeMarker(m.cfg.StateDir); err != nil {
		// The next start wipes again, which is safe.
		m.log.Warn("wipe verified but marker stays", "err", err)
	}
	m.log.Info("wipe verified", "session", r.SessionID, "strategy", r.Strategy, "duration", r.Duration)
	if m.hold != "" {
		m.setLocked(localapi.StateOutOfService, m.hold)
		return
	}
	m.setLocked(localapi.StateIdle, "")
}

// setLocked moves the state, publishes it and reports a change to the
// fleet (authenticating is too brief to report).
func (m *Machine) setLocked(st localapi.State, reason string) {
	changed := m.state != st || m.reason != reason
	m.state, m.reason = st, reason
	m.publishLocked(false)
	if changed && st != localapi.StateAuthenticating {
		m.emitStateLocked()
	}
}

func (m *Machine) emitStateLocked() {
	m.cfg.Emit(protocol.EventState, protocol.StateChange{State: m.state, Reason: m.reason})
}

// publishLocked shows the machine's part of the status; first also sets
// the visitor's choices to the policy's.
func (m *Machine) publishLocked(first bool) {
	now := m.cfg.Clock.Now()
	view := m.sessionView(now)
	var res *localapi.Reservation
	if r := m.reservation; r != nil {
		res = &localapi.Reservation{From: r.From, Until: r.Until, CardHint: r.CardHint}
	}
	var ref *localapi.Refusal
	if m.refusal != nil {
		c := *m.refusal
		ref = &c
	}
	m.cfg.Publish(func(st *localapi.Status) {
		st.State, st.Reason, st.Session, st.Reservation, st.Refusal = m.state, m.reason, view, res, ref
		st.Library = m.pol.Library.Name
		if first {
			m.resetChoices(st)
		}
	})
}

func (m *Machine) sessionView(now time.Time) *localapi.Session {
	s := m.sess
	if s == nil || !inSession(m.state) {
		return nil
	}
	secs := max(0, int((s.ends.Sub(now)+time.Second-1)/time.Second))
	view := &localapi.Session{ID: s.id, Kind: s.kind, StartedAt: s.started.UTC(), EndsAt: s.ends.UTC(),
		MinutesLeft: (secs + 59) / 60, SecondsLeft: secs, EndsAtClosing: s.endsAtClosing,
		Extensions: s.extensions, CanExtend: m.canExtendLocked(now) == nil}
	if !m.idleWarned.IsZero() {
		end := m.warnedIdleEnd()
		view.Idle = &localapi.IdleWarning{EndsAt: end.UTC(), SecondsLeft: max(0, int((end.Sub(now)+time.Second-1)/time.Second))}
	}
	return view
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported systems
	return hex.EncodeToString(b)
}

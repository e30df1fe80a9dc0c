// Package retention keeps personal data only as long as it is needed: it
// turns per-visitor rows into anonymous daily statistics once quotas and
// reservations no longer need them, and drops events, wipe receipts and
// audit entries past their own limits.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"piste/fleet/store"
)

const day = 24 * time.Hour

// Config is how long each kind of data is kept. The keys in errors are
// the piste-fleet serve flags (and --config keys) that set them.
type Config struct {
	// Visits is how long a visitor session is kept after it ended, with
	// its card hash; after that it is only counted. A PIN failure row, a
	// spent or expired guest pass and a walk-up queue entry go after the
	// same time.
	Visits time.Duration
	// Reservations is how long a reservation, with its card hash and last
	// four digits, is kept after its slot (and hold) ended.
	Reservations time.Duration
	// Events is how long terminals' events are kept after they arrived.
	Events time.Duration
	// WipeReceipts is how long wipe receipts, and alerts closed, are kept.
	WipeReceipts time.Duration
	// Audit is how long the staff audit log is kept.
	Audit time.Duration
	// Interval is how often the fleet prunes.
	Interval time.Duration
}

// Keys of the settings, as serve flags and --config keys.
const (
	KeyVisits       = "retention-visits"
	KeyReservations = "retention-reservations"
	KeyEvents       = "retention-events"
	KeyWipeReceipts = "retention-wipe-receipts"
	KeyAudit        = "retention-audit"
	KeyInterval     = "retention-interval"
)

// Defaults are the shipped limits: visitor rows for two days (a quota
// day is over by then, whatever the time zone), reservations a day past
// their slot, events 30 days, wipe receipts 90 days (long enough to
// answer a visitor's question about last month), audit a year.
func Defaults() Config {
	return Config{
		Visits:       2 * day,
		Reservations: 1 * day,
		Events:       30 * day,
		WipeReceipts: 90 * day,
		Audit:        365 * day,
		Interval:     time.Hour,
	}
}

// WithDefaults fills the settings left zero.
func (c Config) WithDefaults() Config {
	d := Defaults()
	for _, f := range []struct{ v, def *time.Duration }{
		{&c.Visits, &d.Visits}, {&c.Reservations, &d.Reservations}, {&c.Events, &d.Events},
		{&c.WipeReceipts, &d.WipeReceipts}, {&c.Audit, &d.Audit}, {&c.Interval, &d.Interval},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
}

// Validate names the first setting out of its range.
func (c Config) Validate() error {
	for _, f := range []struct {
		key      string
		v        time.Duration
		min, max time.Duration
		why      string
	}{
		// A quota day is at most 25 hours (a daylight-saving change); a
		// session's row must outlive it or the quota would reset.
		{KeyVisits, c.Visits, 26 * time.Hour, 366 * day, "the daily quota needs the day's sessions"},
		{KeyReservations, c.Reservations, time.Hour, 366 * day, "a reservation is needed until its slot ends"},
		{KeyEvents, c.Events, day, 10 * 366 * day, ""},
		{KeyWipeReceipts, c.WipeReceipts, day, 10 * 366 * day, ""},
		{KeyAudit, c.Audit, 7 * day, 10 * 366 * day, ""},
		{KeyInterval, c.Interval, time.Minute, day, ""},
	} {
		if f.v < f.min || f.v > f.max {
			msg := fmt.Sprintf("--%s must be between %s and %s, got %s", f.key, Format(f.min), Format(f.max), Format(f.v))
			if f.why != "" && f.v < f.min {
				msg += " (" + f.why + ")"
			}
			return fmt.Errorf("retention: %s", msg)
		}
	}
	return nil
}

// ParseDuration reads a limit as days ("30d") or a Go duration ("36h").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*366 {
			return 0, fmt.Errorf("%q is not a number of days like 30d", s)
		}
		return time.Duration(days) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 30d or 36h", s)
	}
	return d, nil
}

// Format writes whole days as "30d", anything else as a Go duration.
func Format(d time.Duration) string {
	if d > 0 && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Pruner prunes a store by a Config.
type Pruner struct {
	Store  *store.Store
	Config Config
	Log    *slog.Logger
	// Now is the clock; tests set a fake one. Default time.Now.
	Now func() time.Time
}

// Cutoffs are the times before which each kind of row goes, at now.
func (c Config) Cutoffs(now time.Time) store.Cutoffs {
	c = c.WithDefaults()
	return store.Cutoffs{
		Now:          now,
		Sessions:     now.Add(-c.Visits),
		Reservations: now.Add(-c.Reservations),
		Visitors:     now.Add(-c.Visits),
		Events:       now.Add(-c.Events),
		WipeReceipts: now.Add(-c.WipeReceipts),
		Audit:        now.Add(-c.Audit),
	}
}

// Once prunes what is past its limit now.
func (p *Pruner) Once(ctx context.Context) (store.Pruned, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	return p.Store.Prune(ctx, p.Config.Cutoffs(now()))
}

// Run prunes every Config.Interval until ctx ends. The first prune waits
// an interval too, so a fleet that restarts often still prunes at an even
// pace and its start-up is not slowed.
func (p *Pruner) Run(ctx context.Context) {
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tick := time.NewTicker(p.Config.WithDefaults().Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := p.Once(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("prune personal data", "err", err)
		case err == nil && n != (store.Pruned{}):
			log.Info("pruned personal data past its retention", "rows", fmt.Sprintf("%+v", n))
		}
	}
}

// Run prunes st by cfg every cfg.Interval until ctx ends; the fleet
// server starts it.
func Run(ctx context.Context, st *store.Store, cfg Config, log *slog.Logger) {
	(&Pruner{Store: st, Config: cfg, Log: log}).Run(ctx)
}

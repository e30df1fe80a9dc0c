package sip2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// StatusFlags are the 14 patron-status positions of a 24 or 64 response.
// True means the position held "Y": the privilege is denied or the limit
// is reached.
type StatusFlags struct {
	ChargePrivilegesDenied       bool
	RenewalPrivilegesDenied      bool
	RecallPrivilegesDenied       bool
	HoldPrivilegesDenied         bool
	CardReportedLost             bool
	TooManyItemsCharged          bool
	TooManyItemsOverdue          bool
	TooManyRenewals              bool
	TooManyClaimsOfItemsReturned bool
	TooManyItemsLost             bool
	ExcessiveOutstandingFines    bool
	ExcessiveOutstandingFees     bool
	RecallOverdue                bool
	TooManyItemsBilled           bool
}

// StatusFlagNames are the names of the 14 positions, in wire order. They
// are the names String prints and StatusFlagsFromNames accepts.
var StatusFlagNames = [14]string{
	"charge privileges denied", "renewal privileges denied",
	"recall privileges denied", "hold privileges denied",
	"card reported lost", "too many items charged", "too many items overdue",
	"too many renewals", "too many claims of items returned",
	"too many items lost", "excessive outstanding fines",
	"excessive outstanding fees", "recall overdue", "too many items billed",
}

func (f *StatusFlags) positions() [14]*bool {
	return [14]*bool{
		&f.ChargePrivilegesDenied, &f.RenewalPrivilegesDenied,
		&f.RecallPrivilegesDenied, &f.HoldPrivilegesDenied,
		&f.CardReportedLost, &f.TooManyItemsCharged, &f.TooManyItemsOverdue,
		&f.TooManyRenewals, &f.TooManyClaimsOfItemsReturned,
		&f.TooManyItemsLost, &f.ExcessiveOutstandingFines,
		&f.ExcessiveOutstandingFees, &f.RecallOverdue, &f.TooManyItemsBilled,
	}
}

// ParseStatusFlags decodes the 14-character patron status. "Y" or "y"
// sets a flag; anything else, including a missing position, clears it.
func ParseStatusFlags(s string) StatusFlags {
	var f StatusFlags
	for i, p := range f.positions() {
		*p = i < len(s) && (s[i] == 'Y' || s[i] == 'y')
	}
	return f
}

// StatusFlagsFromNames sets the flags named (see StatusFlagNames).
func StatusFlagsFromNames(names ...string) (StatusFlags, error) {
	var f StatusFlags
	pos := f.positions()
	for _, name := range names {
		i := flagIndex(name)
		if i < 0 {
			return f, fmt.Errorf("sip2: unknown patron status flag %q; use one of: %s", name, strings.Join(StatusFlagNames[:], ", "))
		}
		*pos[i] = true
	}
	return f, nil
}

func flagIndex(name string) int {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", " ")
	for i, n := range StatusFlagNames {
		if n == norm {
			return i
		}
	}
	return -1
}

// Wire returns the 14-character form: "Y" for set flags, space otherwise.
func (f StatusFlags) Wire() string {
	b := []byte(strings.Repeat(" ", 14))
	for i, p := range f.positions() {
		if *p {
			b[i] = 'Y'
		}
	}
	return string(b)
}

// Names returns the names of the set flags in wire order.
func (f StatusFlags) Names() []string {
	var names []string
	for i, p := range f.positions() {
		if *p {
			names = append(names, StatusFlagNames[i])
		}
	}
	return names
}

// String lists the set flags, or "none".
func (f StatusFlags) String() string {
	if names := f.Names(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return "none"
}

// Patron is what the library system said about a card. It never holds
// the PIN.
type Patron struct {
	// Valid is BL: the library knows the card.
	Valid bool
	// PINValid is CQ: the PIN matched. False when CQ is missing.
	PINValid bool
	// Name is AE, the patron's personal name.
	Name string
	// StatusFlags are the 14 patron-status positions.
	StatusFlags StatusFlags
	// FeeAmount is BV, the amount owed; 0 when BV is missing.
	FeeAmount float64
	// Currency is BH, such as "EUR"; empty when not sent.
	Currency string
	// FineItems is the fine-items count of a 64 response (0 for a 24).
	FineItems int
	// Expires is PA, the card's expiry date (UTC midnight); zero when PA
	// is missing or not a YYYYMMDD date.
	Expires time.Time
}

// String describes the patron for logs. It leaves out the name: logs
// need no personal data.
func (p Patron) String() string {
	exp := "unknown"
	if !p.Expires.IsZero() {
		exp = p.Expires.Format("2006-01-02")
	}
	return fmt.Sprintf("patron valid=%t pin_valid=%t flags=[%s] fees=%s fine_items=%d expires=%s",
		p.Valid, p.PINValid, p.StatusFlags, p.fees(), p.FineItems, exp)
}

// fees formats the fee amount with its currency when known.
func (p Patron) fees() string {
	if p.Currency == "" {
		return fmt.Sprintf("%.2f", p.FeeAmount)
	}
	return fmt.Sprintf("%.2f %s", p.FeeAmount, p.Currency)
}

// ParsePatron reads a 24 Patron Status or 64 Patron Information response.
func ParsePatron(m Message) (Patron, error) {
	if m.ID != "24" && m.ID != "64" {
		return Patron{}, fmt.Errorf("sip2: want a 24 or 64 patron response, got message %s", m.ID)
	}
	p := Patron{StatusFlags: ParseStatusFlags(m.Fixed[:14])}
	p.Valid = fieldIs(m, "BL", "Y")
	p.PINValid = fieldIs(m, "CQ", "Y")
	p.Name, _ = m.Field("AE")
	p.Currency, _ = m.Field("BH")
	p.Currency = strings.TrimSpace(p.Currency)
	if err := p.parseFee(m); err != nil {
		return Patron{}, err
	}
	if m.ID == "64" {
		// Counts follow status (14), language (3) and date (18); fine
		// items are the fourth of six 4-digit counts.
		n, err := parseCount(m.Fixed[35+12 : 35+16])
		if err != nil {
			return Patron{}, fmt.Errorf("sip2: 64 fine items count: %w", err)
		}
		p.FineItems = n
	}
	if pa, ok := m.Field("PA"); ok && len(pa) >= 8 {
		// PA is an extension; a value in another format is ignored.
		p.Expires, _ = time.Parse("20060102", pa[:8])
	}
	return p, nil
}

func (p *Patron) parseFee(m Message) error {
	bv, ok := m.Field("BV")
	bv = strings.TrimSpace(bv)
	if !ok || bv == "" {
		return nil
	}
	amount, err := strconv.ParseFloat(strings.Replace(bv, ",", ".", 1), 64)
	// NaN would compare as "not over the limit", so it is refused.
	if err != nil || math.IsNaN(amount) || math.IsInf(amount, 0) {
		return fmt.Errorf("%w: fee amount BV is not a number", ErrMalformed)
	}
	p.FeeAmount = amount
	return nil
}

func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil // some systems send spaces for "no count"
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: count %q is not a number", ErrMalformed, s)
	}
	return n, nil
}

func fieldIs(m Message, code, want string) bool {
	v, _ := m.Field(code)
	return strings.EqualFold(strings.TrimSpace(v), want)
}

package sip2

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of "no" a visitor can get; check them with errors.Is.
var (
	// ErrUnknownPatron: the library does not know the card (BL N).
	ErrUnknownPatron = errors.New("sip2: unknown library card")
	// ErrWrongPIN: the PIN did not match (CQ missing or not Y).
	ErrWrongPIN = errors.New("sip2: wrong PIN")
	// ErrBlocked: the card is blocked; the error is a *BlockedError that
	// names the flags.
	ErrBlocked = errors.New("sip2: library card blocked")
	// ErrFeesOverLimit: the patron owes more than the fee limit.
	ErrFeesOverLimit = errors.New("sip2: fees over the limit")
	// ErrUnavailable: the library system could not be asked (network,
	// timeout, login or protocol failure).
	ErrUnavailable = errors.New("sip2: library system unavailable")
)

// BlockedError says which patron-status flags block the card.
type BlockedError struct {
	// Flags are names from StatusFlagNames.
	Flags []string
}

func (e *BlockedError) Error() string {
	return ErrBlocked.Error() + ": " + strings.Join(e.Flags, ", ")
}

// Unwrap makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Decide says whether the patron may start a session: nil, or an error
// that is ErrUnknownPatron, ErrWrongPIN, ErrBlocked or ErrFeesOverLimit,
// checked in that order. A negative feeLimit turns the fee check off.
func Decide(p Patron, feeLimit float64) error {
	if !p.Valid {
		return ErrUnknownPatron
	}
	if !p.PINValid {
		return ErrWrongPIN
	}
	if flags := blockingFlags(p.StatusFlags); len(flags) > 0 {
		return &BlockedError{Flags: flags}
	}
	if feeLimit >= 0 && p.FeeAmount > feeLimit {
		return fmt.Errorf("%w: owes %s, limit %.2f", ErrFeesOverLimit, p.fees(), feeLimit)
	}
	return nil
}

// blockingFlags are the flags that stop a session. The others (renewal,
// hold and recall limits, overdue items) concern loans, not computer use.
func blockingFlags(f StatusFlags) []string {
	var flags []string
	for _, b := range []struct {
		set  bool
		name string
	}{
		{f.ChargePrivilegesDenied, StatusFlagNames[0]},
		{f.CardReportedLost, StatusFlagNames[4]},
		{f.ExcessiveOutstandingFines, StatusFlagNames[10]},
		{f.ExcessiveOutstandingFees, StatusFlagNames[11]},
	} {
		if b.set {
			flags = append(flags, b.name)
		}
	}
	return flags
}

package localapi

import (
	"fmt"
	"log/slog"
)

// ReserveRequest reserves this PC for a library card for its next free
// slot. The card and PIN are checked like a login; the PIN travels only
// over the local socket and is never written to disk. Minutes is the
// wished length (0 for the policy's longest session); the fleet may give
// less.
type ReserveRequest struct {
	Card    string `json:"card"`
	PIN     string `json:"pin"`
	Minutes int    `json:"minutes,omitempty"`
}

// LogValue keeps the PIN out of every structured log line.
func (r ReserveRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("card", r.Card), slog.String("pin", redact(r.PIN)), slog.Int("minutes", r.Minutes))
}

// String keeps the PIN out of fmt output such as %v and %+v.
func (r ReserveRequest) String() string {
	return fmt.Sprintf("{card:%s pin:%s minutes:%d}", r.Card, redact(r.PIN), r.Minutes)
}

// GoString keeps the PIN out of %#v.
func (r ReserveRequest) GoString() string { return "localapi.ReserveRequest" + r.String() }

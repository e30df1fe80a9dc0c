package visits

import (
	"errors"
	"fmt"
	"time"

	"piste/fleet/protocol"
)

// Refusal is the fleet's no to a visitor, with a code the kiosk translates.
type Refusal struct {
	Code       protocol.RefusalCode
	Msg        string
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return "visits: " + string(r.Code) + ": " + r.Msg }

func refuse(code protocol.RefusalCode, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Body is the refusal as the agent API sends it.
func (r *Refusal) Body() protocol.RefusalBody {
	return protocol.RefusalBody{Error: r.Msg, Refusal: protocol.RefusalDetails{
		Code: r.Code, RetryAfterSeconds: int((r.RetryAfter + time.Second - 1) / time.Second)}}
}

// AsRefusal returns err's Refusal, if it is one.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// ErrNoSession is returned for an extend of a session this terminal does
// not run.
var ErrNoSession = errors.New("visits: no such running session on this terminal")

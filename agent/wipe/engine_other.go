//go:build !linux && !windows

package wipe

import (
	"context"
	"errors"
	"time"
)

// unsupportedEngine fails every wipe: a platform without a real engine must
// never report a terminal as clean.
type unsupportedEngine struct{}

// New returns the engine for this platform.
func New() Engine { return unsupportedEngine{} }

// NewWithOptions returns the engine for this platform.
func NewWithOptions(Options) Engine { return unsupportedEngine{} }

func (unsupportedEngine) Strategies() []Strategy { return nil }

func (unsupportedEngine) Wipe(_ context.Context, req Request) Receipt {
	rc := newRecorder(req, time.Now())
	rc.fail(StepRequest, "", errors.New("wipe: this platform has no wipe engine: run Piste terminals on Linux or Windows"))
	return rc.finish(false, time.Now())
}

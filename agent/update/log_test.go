package update

import (
	"log/slog"
	"testing"
)

func testLog(t *testing.T) *slog.Logger { return slog.New(slog.DiscardHandler) }

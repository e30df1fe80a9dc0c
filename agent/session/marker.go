package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"piste/fleet/protocol"
	"piste/internal/atomicfile"
)

// MarkerFile is written in the state dir while a session may have left
// something on the machine: from the session's start until a verified
// wipe. Finding it at start-up means the agent stopped mid-session (crash,
// power cut, kill -9) and must wipe before anyone logs in.
const MarkerFile = "session.json"

// Marker holds no patron data: only what the recovery wipe and its
// receipt need.
type Marker struct {
	SessionID string               `json:"session_id"`
	Kind      protocol.SessionKind `json:"kind"`
	User      string               `json:"user"` // the kiosk account the session ran as
	StartedAt time.Time            `json:"started_at"`
}

func writeMarker(dir string, m Marker) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("session: encode marker: %w", err)
	}
	// The marker must outlive a power cut a second later.
	if err := atomicfile.Write(filepath.Join(dir, MarkerFile), data, 0o600); err != nil {
		return fmt.Errorf("session: marker: %w", err)
	}
	return nil
}

// readMarker reports whether a marker exists. A damaged marker still
// counts: the session it stood for must be wiped all the same.
func readMarker(dir string) (Marker, bool) {
	data, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if errors.Is(err, os.ErrNotExist) {
		return Marker{}, false
	}
	var m Marker
	if err != nil || json.Unmarshal(data, &m) != nil {
		return Marker{SessionID: "unknown"}, true
	}
	return m, true
}

func removeMarker(dir string) error {
	err := os.Remove(filepath.Join(dir, MarkerFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("session: remove marker: %w", err)
	}
	return atomicfile.SyncDir(dir)
}

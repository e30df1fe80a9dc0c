package wipe

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

// The fleet reads receipts as protocol.WipeReceipt. This keeps the two
// JSON forms from drifting apart: every field the agent sends is one the
// fleet knows, and survives the trip.
func TestReceiptMatchesWireForm(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	r := Receipt{SessionID: "s-1", Trigger: TriggerVisitorEnd, User: "piste-visitor", Strategy: StrategyTmpfs,
		StartedAt: start, EndedAt: start.Add(time.Second), Duration: time.Second, FilesRemoved: 3, BytesRemoved: 4096,
		ProcessesEnded: 2, Verified: false, Failures: []Failure{{Step: StepHome, Path: "x", Error: "immutable"}},
		StepsRun: []string{StepProcesses}, StepsSkipped: []string{"cups: not installed"}}
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var wire protocol.WipeReceipt
	require.NoError(t, dec.Decode(&wire), "a receipt field the fleet does not know")
	back, err := json.Marshal(wire)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(back))
}

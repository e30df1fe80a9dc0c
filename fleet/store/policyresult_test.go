package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/protocol"
)

func TestPolicyRefusalOpensAnAlertUntilAPolicyApplies(t *testing.T) {
	st, term := openTest(t)
	ctx := context.Background()
	open := func() []Alert {
		t.Helper()
		alerts, err := st.OpenAlerts(ctx)
		require.NoError(t, err)
		return alerts
	}
	refused := protocol.PolicyResult{Status: protocol.PolicyRefused, Key: "session.kiosk_user",
		Error: `policy refused on this terminal: session.kiosk_user "nobody" is not allowed by /etc/piste/agent.yaml`}

	require.NoError(t, ingest(t, st, 1, protocol.EventPolicyResult, refused))
	alerts := open()
	require.Len(t, alerts, 1)
	assert.Equal(t, term.ID, alerts[0].TerminalID)
	assert.Equal(t, AlertPolicyRefused, alerts[0].Kind)
	assert.Contains(t, alerts[0].Detail, "session.kiosk_user")
	assert.Contains(t, alerts[0].Detail, "/etc/piste/agent.yaml")

	refused.Key, refused.Error = "wipe.skeleton", `wipe.skeleton "/etc" is not allowed`
	require.NoError(t, ingest(t, st, 2, protocol.EventPolicyResult, refused))
	alerts = open()
	require.Len(t, alerts, 1, "one alert per terminal, with the latest reason")
	assert.Contains(t, alerts[0].Detail, "wipe.skeleton")

	require.NoError(t, ingest(t, st, 3, protocol.EventPolicyResult, protocol.PolicyResult{Status: protocol.PolicyApplied}))
	assert.Empty(t, open(), "a policy that applies settles the alert")

	require.NoError(t, ingest(t, st, 4, protocol.EventPolicyResult, `{"status": "maybe"}`), "an unreadable result does not fail the batch")
	alerts = open()
	require.Len(t, alerts, 1)
	assert.NotEqual(t, AlertPolicyRefused, alerts[0].Kind, "kept aside, not taken for a refusal")
	assert.Contains(t, alerts[0].Detail, "status must be applied or refused")
}

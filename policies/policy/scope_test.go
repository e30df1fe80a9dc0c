package policy

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in   string
		want Scope
		rank int
		err  string
	}{
		{in: "fleet", want: Scope{Kind: ScopeFleet}, rank: 0},
		{in: "branch:kallio", want: Scope{Kind: ScopeBranch, ID: "kallio"}, rank: 1},
		{in: "group:quick-pcs", want: Scope{Kind: ScopeGroup, ID: "quick-pcs"}, rank: 2},
		{in: "terminal:kallio-pc-07", want: Scope{Kind: ScopeTerminal, ID: "kallio-pc-07"}, rank: 3},
		{in: "", err: `policy: unknown scope ""; use fleet, branch:ID, group:ID or terminal:ID`},
		{in: "branch", err: `policy: scope "branch" needs an id, like branch:kallio`},
		{in: "terminal:", err: `policy: scope "terminal:" needs an id, like terminal:kallio`},
		{in: "fleet:main", err: `policy: scope "fleet:main": the fleet scope takes no id; write fleet`},
		{in: "brnch:kallio", err: `policy: unknown scope "brnch:kallio"; use fleet, branch:ID, group:ID or terminal:ID`},
		{in: "Branch:kallio", err: `policy: unknown scope "Branch:kallio"`},
		{in: "branch:kal lio", err: `policy: scope "branch:kal lio": the id may hold only letters, digits, '.', '_' and '-'`},
		{in: "branch:-x", err: "starting with a letter or digit"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseScope(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.in, got.String())
			assert.Equal(t, tc.rank, got.Rank())
		})
	}
}

func TestScopeText(t *testing.T) {
	var got struct{ Scope Scope }
	require.NoError(t, json.Unmarshal([]byte(`{"Scope": "terminal:pc-1"}`), &got))
	assert.Equal(t, Scope{Kind: ScopeTerminal, ID: "pc-1"}, got.Scope)
	data, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Scope": "terminal:pc-1"}`, string(data))
	assert.Error(t, json.Unmarshal([]byte(`{"Scope": "shelf:3"}`), &got))
}

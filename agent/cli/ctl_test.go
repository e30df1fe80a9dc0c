package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/agent/localapi"
	"piste/agent/localapi/localapitest"
	"piste/agent/state"
)

func TestCtlReserve(t *testing.T) {
	from := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		refuse  *localapi.Refusal
		want    *localapi.ReserveRequest
		out     string
		errText string
	}{
		{name: "reserved", args: []string{"--card", "20000002", "--pin-stdin", "--minutes", "30"}, stdin: "1234\n",
			want: &localapi.ReserveRequest{Card: "20000002", PIN: "1234", Minutes: 30}, out: "for card …0002"},
		{name: "default minutes", args: []string{"--card", "20000002", "--pin-stdin"}, stdin: "1234\n",
			want: &localapi.ReserveRequest{Card: "20000002", PIN: "1234"}, out: "reserved"},
		{name: "refused", args: []string{"--card", "20000002", "--pin-stdin"}, stdin: "1234\n",
			refuse: &localapi.Refusal{Code: localapi.RefusalClosed, Message: "closes soon"},
			want:   &localapi.ReserveRequest{Card: "20000002", PIN: "1234"}, errText: "refused: closed (closes soon)"},
		{name: "PIN only from stdin", args: []string{"--card", "20000002"}, errText: "--pin-stdin"},
		{name: "no PIN on stdin", args: []string{"--card", "20000002", "--pin-stdin"}, stdin: "", errText: "no PIN on stdin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := localapitest.SocketDir(t)
			ctl := localapitest.NewScripted(localapi.Status{State: localapi.StateIdle})
			ctl.OnCall("Reserve", func(st *localapi.Status, arg any) {
				st.Reservation = &localapi.Reservation{From: from, Until: from.Add(30 * time.Minute), CardHint: "0002"}
			})
			if tc.refuse != nil {
				ctl.RefuseNext("Reserve", tc.refuse)
			}
			localapitest.Serve(t, filepath.Join(dir, state.SocketFile), ctl)
			var out, errOut bytes.Buffer
			err := ctlCmd(append([]string{"--state", dir, "reserve"}, tc.args...),
				IO{In: strings.NewReader(tc.stdin), Out: &out, Err: &errOut})
			if tc.errText != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.errText)
			} else {
				require.NoError(t, err)
				assert.Contains(t, out.String(), tc.out)
			}
			calls := ctl.Calls()
			if tc.want == nil {
				assert.Empty(t, calls)
				return
			}
			require.Len(t, calls, 1)
			assert.Equal(t, *tc.want, calls[0].Arg)
			assert.NotContains(t, out.String()+errOut.String(), "1234", "the PIN is never echoed")
		})
	}
}

// A packaged agent's socket is not in its state dir: ctl finds it by
// --socket alone.
func TestCtlBySocket(t *testing.T) {
	dir := localapitest.SocketDir(t)
	ctl := localapitest.NewScripted(localapi.Status{State: localapi.StateIdle, Name: "pc-7"})
	sock := filepath.Join(dir, "agent.sock")
	localapitest.Serve(t, sock, ctl)
	var out bytes.Buffer
	require.NoError(t, ctlCmd([]string{"--socket", sock, "status"}, IO{In: strings.NewReader(""), Out: &out, Err: io.Discard}))
	assert.Contains(t, out.String(), `"pc-7"`)

	err := ctlCmd([]string{"--socket", filepath.Join(dir, "none.sock"), "status"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "none.sock")
	err = ctlCmd([]string{"status"}, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--state (or --socket) is required")
}

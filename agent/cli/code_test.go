package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnrollCodeStaysOffArgv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "code")
	require.NoError(t, os.WriteFile(file, []byte("ABCD-EFGH-IJKL-MNOP\n"), 0o600))
	tests := []struct {
		name, arg, file, stdin string
		want, wantErr          string
	}{
		{name: "stdin", arg: "-", stdin: "ABCD-EFGH-IJKL-MNOP\n", want: "ABCD-EFGH-IJKL-MNOP"},
		{name: "file", file: file, want: "ABCD-EFGH-IJKL-MNOP"},
		{name: "code on argv", arg: "ABCD-EFGH-IJKL-MNOP", wantErr: "may not be given on the command line"},
		{name: "nothing", wantErr: "--code -"},
		{name: "empty stdin", arg: "-", wantErr: "no enrollment code in stdin"},
		{name: "both", arg: "-", file: file, wantErr: "not both"},
		{name: "missing file", file: filepath.Join(t.TempDir(), "none"), wantErr: "--code-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, err := enrollCode(tc.arg, tc.file, strings.NewReader(tc.stdin))
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, code)
		})
	}
}

func TestEnrollRefusesCodeOnArgvWithoutEchoingIt(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Run([]string{"enroll", "--server", "http://127.0.0.1:1", "--code", "SECR-ETCO-DE00-0000", "--state", t.TempDir()},
		IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut.String(), "--code -")
	assert.Contains(t, errOut.String(), "--code-file FILE")
	assert.NotContains(t, errOut.String(), "SECR-ETCO", "the refusal does not repeat the code")
}

package sip2server

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzHandleRequest feeds arbitrary request bytes to one session, logged
// in or not. The server must never panic, and every answer it gives must
// be a frame the shared codec can read.
func FuzzHandleRequest(f *testing.F) {
	for _, seed := range []string{
		"9300CNscclient|COclientpwd|CPcirc|AY0AZF1E5\r2300020261127    051455AOUWOLS|AAdjfiander|AC|AD6789|AY1AZF032\r",
		"97AZFEF5\r",
		"97\r",
		"6300020261127    051512   Y      AOUWOLS|AAdjfiander|AC|AD6789|AY2AZEEBA\r",
		"3520261127    051514AOUWOLS|AAdjfiander|AC|AD6789|AY2AZF0C2\r",
		"2300020261127    051527AOUWOLS|AAJ\xe4rvenp\xe4\xe4|AC|AD6789|AY1AZEEB8\r",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	srv, err := New(Config{Patrons: append(ReferencePatrons(), DemoPatrons()...)})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte, loggedIn bool) {
		s := &session{srv: srv, loggedIn: loggedIn}
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			frame, err := readFrame(r)
			if err != nil {
				return
			}
			resp, closeAfter := s.handle(frame)
			if resp != nil {
				_, err := parseReply(resp.Encode())
				require.NoError(t, err, "reply %q to %q", resp.Encode(), frame)
			}
			if closeAfter {
				return
			}
		}
	})
}

package sip2server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/sip2"
)

// exchange is one request and the response recorded for it.
type exchange struct {
	req, resp []byte
}

// transcript is one recorded connection from testdata/transcripts.
type transcript struct {
	name      string
	closes    bool // a note says the server closed the connection at the end
	exchanges []exchange
}

func loadTranscripts(t *testing.T) []transcript {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	require.NoError(t, err)
	require.Len(t, paths, 25, "transcript files")
	var out []transcript
	for _, p := range paths {
		out = append(out, loadTranscript(t, p))
	}
	return out
}

func loadTranscript(t *testing.T, path string) transcript {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	tr := transcript{name: filepath.Base(path)}
	var pending []byte
	for _, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
		switch {
		case bytes.HasPrefix(line, []byte("# note:")):
			tr.closes = tr.closes || bytes.Contains(line, []byte("closes"))
		case bytes.HasPrefix(line, []byte("#")):
		case bytes.HasPrefix(line, []byte("> ")):
			require.Nil(t, pending, "%s: two requests in a row", path)
			pending = unescape(line[2:])
		case bytes.HasPrefix(line, []byte("< ")):
			require.NotNil(t, pending, "%s: response without request", path)
			tr.exchanges = append(tr.exchanges, exchange{req: pending, resp: unescape(line[2:])})
			pending = nil
		default:
			t.Fatalf("%s: unexpected line %q", path, line)
		}
	}
	require.NotEmpty(t, tr.exchanges, path)
	return tr
}

// unescape turns the transcripts' only two escapes, \r and \n, into bytes.
func unescape(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(`\r`), []byte("\r"))
	return bytes.ReplaceAll(b, []byte(`\n`), []byte("\n"))
}

var dateField = regexp.MustCompile(`\d{8} {4}\d{6}`)

// clockFrom returns a clock stopped at the date in a recorded response,
// so the reply can be compared byte for byte, checksum included.
func clockFrom(t *testing.T, resp []byte) func() time.Time {
	d := dateField.Find(resp)
	if d == nil {
		return time.Now
	}
	at, err := time.Parse(sip2.DateLayout, string(d))
	require.NoError(t, err)
	return func() time.Time { return at }
}

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	srv, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Listen("127.0.0.1:0"))
	t.Cleanup(func() { srv.Close() })
	return srv
}

func dialServer(t *testing.T, srv *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

// readReply reads one CR-terminated reply, CR included.
func readReply(t *testing.T, conn net.Conn, r *bufio.Reader) []byte {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(3*time.Second)))
	got, err := r.ReadBytes('\r')
	require.NoError(t, err, "reading reply")
	return got
}

// connState reports "closed" when the server closed the connection and
// "open" when it stays silent but connected.
func connState(t *testing.T, conn net.Conn, r *bufio.Reader) string {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	b, err := r.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		return "sent unexpected byte " + string(b)
	case errors.Is(err, io.EOF):
		return "closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "open"
	}
	return err.Error()
}

func TestReplayTranscripts(t *testing.T) {
	for _, tr := range loadTranscripts(t) {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{})
			conn, r := dialServer(t, srv)
			for i, ex := range tr.exchanges {
				srv.SetClock(clockFrom(t, ex.resp))
				_, err := conn.Write(ex.req)
				require.NoError(t, err)
				got := readReply(t, conn, r)
				assert.Equal(t, string(ex.resp), string(got), "exchange %d, request %q", i+1, ex.req)
			}
			want := "open"
			if tr.closes {
				want = "closed"
			}
			assert.Equal(t, want, connState(t, conn, r), "connection after the last response")
		})
	}
}

// TestTranscriptsAsCodecVectors checks the shared codec on every recorded
// frame: a response decodes and encodes back to the same bytes, and a
// request fails its checksum exactly when the server answered 96.
func TestTranscriptsAsCodecVectors(t *testing.T) {
	for _, tr := range loadTranscripts(t) {
		for i, ex := range tr.exchanges {
			resp := bytes.TrimSuffix(ex.resp, []byte("\r"))
			m, err := sip2.Parse(resp)
			require.NoError(t, err, "%s response %d", tr.name, i+1)
			assert.Equal(t, string(ex.resp), string(m.Encode()), "%s response %d round trip", tr.name, i+1)

			req := bytes.TrimLeft(bytes.TrimRight(ex.req, "\r\n"), "\n")
			if !utf8.Valid(req) || bytes.HasPrefix(req, []byte("97")) {
				continue
			}
			_, err = sip2.Parse(req)
			if string(resp) == "96AZFEF6" {
				assert.ErrorIs(t, err, sip2.ErrChecksum, "%s request %d", tr.name, i+1)
				continue
			}
			assert.NoError(t, err, "%s request %d", tr.name, i+1)
		}
	}
}

func TestBehaviourNotInTranscripts(t *testing.T) {
	const login = "9300CNscclient|COclientpwd|CPcirc|AY0AZF1E5"
	tests := []struct {
		name  string
		sends []string // each write
		want  []string // replies expected, in order
		state string
	}{
		{
			name:  "patron status before login closes without reply",
			sends: []string{"2300020261127    051455AOUWOLS|AAdjfiander|AC|AD6789|AY1AZF032\r"},
			state: "closed",
		},
		{
			name:  "sc status before login closes without reply",
			sends: []string{"9900302.00AY1AZFCA5\r"},
			state: "closed",
		},
		{
			name: "bare LF does not end a message; the joined one fails",
			sends: []string{
				login + "\r",
				"9900302.00AY1AZFCA5\n",
				"9900302.00AY2AZFCA4\r",
			},
			want:  []string{"941AY0AZFDFD\r", "96AZFEF6\r"},
			state: "open",
		},
		{
			name:  "bare LF on login: the joined login fails and closes",
			sends: []string{login + "\n", login + "\r"},
			want:  []string{"96AZFEF6\r"},
			state: "closed",
		},
		{
			name:  "97 after a failed login resends the 940",
			sends: []string{"9300CNscclient|COwrong|CPcirc|AY0AZF382\r", "97AZFEF5\r"},
			want:  []string{"940AY0AZFDFE\r", "940AY0AZFDFE\r"},
			state: "open",
		},
		{
			name:  "garbage after login gets 96 without AZ",
			sends: []string{login + "\r", "hello\r"},
			want:  []string{"941AY0AZFDFD\r", "96\r"},
			state: "open",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, Config{})
			conn, r := dialServer(t, srv)
			for _, s := range tc.sends {
				_, err := conn.Write([]byte(s))
				require.NoError(t, err)
				time.Sleep(20 * time.Millisecond) // keep writes apart, as separate sends
			}
			for _, w := range tc.want {
				assert.Equal(t, w, string(readReply(t, conn, r)))
			}
			assert.Equal(t, tc.state, connState(t, conn, r))
		})
	}
}

func TestFoldASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"djfiander", "djfiander"},
		{"Järvenpää", "JA?rvenpA?A?"},
		{"ÖÖ", "A?A?"},
		{"\xe4", "a"}, // a lone Latin-1 byte folds to its letter
		{"€", "a??"},  // E2 82 AC
		{"", ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, foldASCII(tc.in), "fold %q", tc.in)
	}
}

func TestPlainUTF8Echo(t *testing.T) {
	srv := startServer(t, Config{PlainUTF8: true})
	conn, r := dialServer(t, srv)
	req := sip2.Message{ID: "23", Fixed: "000" + sip2.FormatDate(time.Now()), Seq: 1, Checksum: true,
		Fields: []sip2.Field{{Code: "AO", Value: "UWOLS"}, {Code: "AA", Value: "Järvenpää"}, {Code: "AC"}, {Code: "AD", Value: "1"}}}
	_, err := conn.Write([]byte("9300CNscclient|COclientpwd|CPcirc|AY0AZF1E5\r"))
	require.NoError(t, err)
	readReply(t, conn, r)
	_, err = conn.Write(req.Encode())
	require.NoError(t, err)
	m, err := sip2.Parse(bytes.TrimSuffix(readReply(t, conn, r), []byte("\r")))
	require.NoError(t, err)
	aa, _ := m.Field("AA")
	assert.Equal(t, "Järvenpää", aa)
	assert.True(t, strings.HasPrefix(m.Fixed, unknownStatus))
}

func readFrame(r *bufio.Reader) ([]byte, error) { return sip2.ReadFrame(r) }

// parseReply decodes a reply the way a client would.
func parseReply(b []byte) (sip2.Message, error) {
	return sip2.Parse(bytes.TrimSuffix(b, []byte("\r")))
}

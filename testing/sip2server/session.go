package sip2server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"time"
	"unicode/utf8"

	"piste/fleet/sip2"
)

// maxFailedLogins is how many 940s the reference server sends before it
// closes the connection.
const maxFailedLogins = 3

// session is one client connection.
type session struct {
	srv          *Server
	conn         net.Conn
	r            *bufio.Reader
	loggedIn     bool
	failedLogins int
	// last is the last response sent, for 97 Request ACS Resend.
	last *sip2.Message
}

func (s *session) run() {
	for {
		frame, err := sip2.ReadFrame(s.r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.srv.cfg.Logger.Info("sip2server: read request", "remote", s.conn.RemoteAddr(), "err", err)
			}
			return
		}
		f, corrupt, resend := s.srv.takeFaults()
		if f.Silent {
			continue
		}
		if f.Hangup {
			return
		}
		var resp *sip2.Message
		closeAfter := false
		if resend && msgID(frame) != "97" {
			resp = &sip2.Message{ID: "96", Seq: -1, Checksum: hasChecksum(frame)}
		} else {
			resp, closeAfter = s.handle(frame)
		}
		if resp != nil && !s.send(*resp, f, corrupt) {
			return
		}
		if closeAfter {
			return
		}
	}
}

// handle answers one request the way the reference server does. It
// returns nil for no answer, and whether to close the connection after.
func (s *session) handle(frame []byte) (*sip2.Message, bool) {
	id := msgID(frame)
	if id == "97" {
		return s.resend(frame)
	}
	if !s.loggedIn && id != "93" {
		return nil, true // login first: close without a reply
	}
	// The reference server reads UTF-8; other bytes fail like a bad
	// checksum. A failure on the login closes the connection.
	if !utf8.Valid(frame) {
		return s.remember(resendRequest(frame)), id == "93"
	}
	req, err := sip2.Parse(frame)
	if err != nil {
		return s.remember(resendRequest(frame)), id == "93"
	}
	resp, closeAfter := s.dispatch(req)
	resp.Seq, resp.Checksum = req.Seq, req.Checksum
	s.foldText(&resp)
	return s.remember(resp), closeAfter
}

func (s *session) dispatch(req sip2.Message) (sip2.Message, bool) {
	switch req.ID {
	case "93":
		return s.login(req)
	case "99":
		return s.acsStatus(), false
	case "23":
		return s.patronStatus(req), false
	case "63":
		return s.patronInfo(req), false
	case "35":
		return s.endSession(req), false
	}
	return sip2.Message{ID: "96"}, false
}

// resend answers 97: the last response again, renumbered 0 when it had
// a sequence number, with AY/AZ only when the 97 had AZ.
func (s *session) resend(frame []byte) (*sip2.Message, bool) {
	req, err := sip2.Parse(frame)
	if err != nil {
		return s.remember(resendRequest(frame)), !s.loggedIn
	}
	if s.last == nil {
		// Nothing to resend; the reference server then gives up.
		seq := -1
		if req.Checksum {
			seq = 0
		}
		return &sip2.Message{ID: "96", Seq: seq, Checksum: req.Checksum}, true
	}
	again := *s.last
	switch {
	case !req.Checksum:
		again.Seq, again.Checksum = -1, false
	case again.Seq >= 0:
		again.Seq, again.Checksum = 0, true
	default:
		again.Checksum = true
	}
	return &again, false
}

func (s *session) remember(m sip2.Message) *sip2.Message {
	s.last = &m
	return &m
}

func (s *session) login(req sip2.Message) (sip2.Message, bool) {
	user, _ := req.Field("CN")
	pass, _ := req.Field("CO")
	if user == s.srv.cfg.User && pass == s.srv.cfg.Password {
		s.loggedIn = true
		return sip2.Message{ID: "94", Fixed: "1"}, false
	}
	s.failedLogins++
	return sip2.Message{ID: "94", Fixed: "0"}, s.failedLogins >= maxFailedLogins
}

// send writes resp with the faults f applied. It reports false when the
// connection is gone.
func (s *session) send(resp sip2.Message, f Faults, corrupt bool) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-s.srv.done:
			return false
		}
	}
	out := resp.Encode()
	switch {
	case f.Garbage:
		out = []byte("ZZ\x00\xff not SIP2 at all |\r")
	case f.Truncate && len(out) > 11:
		out = append(out[:10:10], '\r')
	case corrupt && resp.Checksum:
		out = corruptChecksum(out)
	}
	_, err := s.conn.Write(out)
	return err == nil
}

// corruptChecksum replaces the 4 hex digits before the CR with wrong ones.
func corruptChecksum(out []byte) []byte {
	n := len(out)
	sum, err := strconv.ParseUint(string(out[n-5:n-1]), 16, 16)
	if err != nil {
		return out
	}
	bad := []byte(strconv.FormatUint((sum+1)&0xFFFF|0x10000, 16)[1:])
	for i, c := range bad {
		if c >= 'a' {
			bad[i] = c - 'a' + 'A'
		}
	}
	return append(out[:n-5:n-5], append(bad, '\r')...)
}

// resendRequest is the 96 sent for a request that failed its checksum or
// could not be read: AZ when the request had one, never AY.
func resendRequest(frame []byte) sip2.Message {
	return sip2.Message{ID: "96", Seq: -1, Checksum: hasChecksum(frame)}
}

func hasChecksum(frame []byte) bool {
	n := len(frame)
	return n >= 6 && string(frame[n-6:n-4]) == "AZ"
}

func msgID(frame []byte) string {
	if len(frame) < 2 {
		return ""
	}
	return string(frame[:2])
}

// Package sip2 speaks SIP2, the protocol library self-service machines use,
// so that the fleet can check a library card and PIN against the library
// system (ILS): message encoding, a client, a connection pool and the
// decision whether a patron may start a session.
package sip2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors returned when a frame cannot be decoded.
var (
	// ErrMalformed means the bytes are not a SIP2 message.
	ErrMalformed = errors.New("sip2: malformed message")
	// ErrTruncated means the message is shorter than its fixed part.
	ErrTruncated = errors.New("sip2: truncated message")
	// ErrChecksum means the AZ checksum does not match the bytes.
	ErrChecksum = errors.New("sip2: checksum mismatch")
)

// DateLayout is the 18-character SIP2 date: four spaces stand where the
// time zone may go, which means local time.
const DateLayout = "20060102    150405"

// fixedLen is the length of the fixed part after the 2-character id, for
// every message SIP2 2.00 defines. Fields can only be found once the fixed
// part is known, so an id outside this table cannot be decoded.
var fixedLen = map[string]int{
	"01": 19, "09": 37, "10": 22, "11": 38, "12": 22, "15": 19, "16": 20,
	"17": 18, "18": 24, "19": 18, "20": 19, "23": 21, "24": 35, "25": 18,
	"26": 35, "29": 38, "30": 22, "35": 18, "36": 19, "37": 25, "38": 19,
	"63": 31, "64": 59, "65": 18, "66": 27, "93": 2, "94": 1, "96": 0,
	"97": 0, "98": 34, "99": 8,
}

// Field is one variable-length field: a 2-character code and its value.
type Field struct {
	Code  string
	Value string
}

// Message is one SIP2 message without its CR terminator.
type Message struct {
	// ID is the 2-digit message identifier, such as "63".
	ID string
	// Fixed is the fixed-length part between the id and the first field.
	Fixed string
	// Fields are the variable-length fields in wire order.
	Fields []Field
	// Seq is the AY sequence number 0-9, or -1 when the message has none.
	Seq int
	// Checksum says whether the message carries an AZ checksum.
	Checksum bool
}

// Field returns the value of the first field with the given code.
func (m Message) Field(code string) (string, bool) {
	for _, f := range m.Fields {
		if f.Code == code {
			return f.Value, true
		}
	}
	return "", false
}

// FieldValues returns the values of every field with the given code, for
// repeatable fields such as AV (fine items).
func (m Message) FieldValues(code string) []string {
	var vals []string
	for _, f := range m.Fields {
		if f.Code == code {
			vals = append(vals, f.Value)
		}
	}
	return vals
}

// secretFields are never shown by String: patron PIN, login password and
// terminal password.
var secretFields = map[string]bool{"AD": true, "CO": true, "AC": true}

// String returns the message in wire form with secret field values
// replaced by "***", so that a message can be logged.
func (m Message) String() string {
	red := m
	red.Fields = make([]Field, len(m.Fields))
	for i, f := range m.Fields {
		if secretFields[f.Code] && f.Value != "" {
			f.Value = "***"
		}
		red.Fields[i] = f
	}
	return string(red.wire())
}

// Encode returns the message as sent on the wire: UTF-8, AY/AZ when set,
// and the CR terminator.
func (m Message) Encode() []byte {
	return append(m.wire(), '\r')
}

func (m Message) wire() []byte {
	var b strings.Builder
	b.WriteString(m.ID)
	b.WriteString(m.Fixed)
	for _, f := range m.Fields {
		b.WriteString(f.Code)
		b.WriteString(f.Value)
		b.WriteByte('|')
	}
	if m.Seq >= 0 {
		b.WriteString("AY")
		b.WriteByte(byte('0' + m.Seq%10))
	}
	if !m.Checksum {
		return []byte(b.String())
	}
	b.WriteString("AZ")
	out := []byte(b.String())
	return fmt.Appendf(out, "%04X", Checksum(out))
}

// Checksum returns the SIP2 checksum of b: the two's complement of the
// byte sum, low 16 bits. b runs from the first byte up to and including
// the Z of AZ.
func Checksum(b []byte) uint16 {
	var sum uint16
	for _, c := range b {
		sum += uint16(c)
	}
	return -sum
}

// Parse decodes one frame (without CR). Fields are found by their code
// and codes this package does not know are kept, so callers can skip them.
// A frame that is not valid UTF-8 is read as Latin-1, which some older
// systems send. On ErrChecksum the decoded message is returned as well,
// because a server must still know which message failed.
func Parse(frame []byte) (Message, error) {
	m := Message{Seq: -1}
	if len(frame) < 2 || !isDigit(frame[0]) || !isDigit(frame[1]) {
		return m, fmt.Errorf("%w: no 2-digit message id", ErrMalformed)
	}
	m.ID = string(frame[:2])
	flen, ok := fixedLen[m.ID]
	if !ok {
		return m, fmt.Errorf("%w: unknown message id %s", ErrMalformed, m.ID)
	}
	body, sumErr := m.cutTrailer(frame, 2+flen)
	if len(body) < 2+flen {
		return m, fmt.Errorf("%w: message %s has %d of %d fixed bytes", ErrTruncated, m.ID, len(body)-2, flen)
	}
	m.Fixed = decodeText(body[2 : 2+flen])
	if strings.ContainsAny(m.Fixed, "|\r\n") {
		return m, fmt.Errorf("%w: message %s fixed part is cut short", ErrTruncated, m.ID)
	}
	fields, err := parseFields(decodeText(body[2+flen:]))
	if err != nil {
		return m, fmt.Errorf("message %s: %w", m.ID, err)
	}
	m.Fields = fields
	return m, sumErr
}

// cutTrailer removes AYn and AZxxxx from the end of frame and records
// them in m. The trailer is looked for only after the fixed part, so that
// fixed data can never be mistaken for it.
func (m *Message) cutTrailer(frame []byte, minStart int) ([]byte, error) {
	var sumErr error
	n := len(frame)
	if n-6 >= minStart && string(frame[n-6:n-4]) == "AZ" && isHex(frame[n-4:]) {
		want, _ := strconv.ParseUint(string(frame[n-4:]), 16, 16)
		if Checksum(frame[:n-4]) != uint16(want) {
			sumErr = fmt.Errorf("%w in message %s", ErrChecksum, m.ID)
		}
		m.Checksum = true
		frame = frame[:n-6]
		n -= 6
	}
	if n-3 >= minStart && string(frame[n-3:n-1]) == "AY" && isDigit(frame[n-1]) {
		m.Seq = int(frame[n-1] - '0')
		frame = frame[:n-3]
	}
	return frame, sumErr
}

func parseFields(s string) ([]Field, error) {
	var fields []Field
	for s != "" {
		// The last "|" may be missing (some systems leave it out); the
		// value is whole either way.
		piece, rest, _ := strings.Cut(s, "|")
		s = rest
		if piece == "" {
			continue // "||": an empty slot, not a field
		}
		// The field text is left out of the error: it could hold a PIN.
		if len(piece) < 2 || !isCode(piece[0]) || !isCode(piece[1]) {
			return nil, fmt.Errorf("%w: field %d has no 2-character code", ErrMalformed, len(fields)+1)
		}
		fields = append(fields, Field{Code: piece[:2], Value: piece[2:]})
	}
	return fields, nil
}

// decodeText returns b as a Go string, reading it as Latin-1 when it is
// not valid UTF-8.
func decodeText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// FormatDate returns t as an 18-character SIP2 date in t's time zone.
func FormatDate(t time.Time) string {
	return t.Format(DateLayout)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isCode(c byte) bool { return isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

func isHex(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) && (c < 'A' || c > 'F') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

package sip2

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChecksumWorkedExamples(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"login response", Message{ID: "94", Fixed: "1", Seq: 0, Checksum: true}, "941AY0AZFDFD\r"},
		{"login request", Message{ID: "93", Fixed: "00", Seq: 0, Checksum: true, Fields: []Field{
			{"CN", "scclient"}, {"CO", "clientpwd"}, {"CP", "circ"}}}, "9300CNscclient|COclientpwd|CPcirc|AY0AZF1E5\r"},
		{"request ACS resend", Message{ID: "97", Seq: -1, Checksum: true}, "97AZFEF5\r"},
		{"request SC resend", Message{ID: "96", Seq: -1, Checksum: true}, "96AZFEF6\r"},
		{"no error detection", Message{ID: "94", Fixed: "1", Seq: -1}, "941\r"},
		{"utf-8 counts as bytes", Message{ID: "24", Fixed: "YYYY          00020261127    051525", Seq: 2, Checksum: true,
			Fields: []Field{{"AO", "UWOLS"}, {"AA", "A?A?"}, {"AE", ""}, {"BL", "N"}}},
			"24YYYY          00020261127    051525AOUWOLS|AAA?A?|AE|BLN|AY2AZF0BA\r"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, string(tc.msg.Encode()))
		})
	}
	// The README's rule: byte sum plus checksum is 0 mod 65536.
	b := []byte("941AY0AZ")
	var sum int
	for _, c := range b {
		sum += int(c)
	}
	assert.Equal(t, 0, (sum+int(Checksum(b)))%65536)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		frame   string
		wantErr error
		check   func(t *testing.T, m Message)
	}{
		{
			name: "patron info with unknown extension codes",
			// AZ0000 is replaced with the right checksum below.
			frame: "64  Y           00020261127    051504000000000000000100000000AOUWOLS|AAdjfiander|AEDavid J. Fiander|BLY|CQY|PA20501231|XIdjfiander|AY1AZ0000",
			check: func(t *testing.T, m Message) {
				assert.Equal(t, "64", m.ID)
				assert.Equal(t, 1, m.Seq)
				assert.True(t, m.Checksum)
				name, ok := m.Field("AE")
				assert.True(t, ok)
				assert.Equal(t, "David J. Fiander", name)
				xi, _ := m.Field("XI")
				assert.Equal(t, "djfiander", xi)
			},
		},
		{
			name:  "no error detection",
			frame: "941",
			check: func(t *testing.T, m Message) {
				assert.Equal(t, -1, m.Seq)
				assert.False(t, m.Checksum)
				assert.Equal(t, "1", m.Fixed)
			},
		},
		{
			name:  "last field without pipe",
			frame: "36Y20261127    051514AOUWOLS|AFbye",
			check: func(t *testing.T, m Message) {
				af, _ := m.Field("AF")
				assert.Equal(t, "bye", af)
			},
		},
		{
			name:  "repeated fields",
			frame: "64  Y           00020261127    051504000000000000000200000000AVone|AVtwo|",
			check: func(t *testing.T, m Message) {
				assert.Equal(t, []string{"one", "two"}, m.FieldValues("AV"))
			},
		},
		{
			name:  "latin-1 bytes read as latin-1",
			frame: "24YYYY          00020261127    051525AOUWOLS|AAJ\xe4rvenp\xe4\xe4|AE|BLN|",
			check: func(t *testing.T, m Message) {
				aa, _ := m.Field("AA")
				assert.Equal(t, "Järvenpää", aa)
			},
		},
		{name: "bad checksum", frame: "941AY0AZFDFE", wantErr: ErrChecksum},
		{name: "empty", frame: "", wantErr: ErrMalformed},
		{name: "not digits", frame: "hello", wantErr: ErrMalformed},
		{name: "unknown message id", frame: "42abc", wantErr: ErrMalformed},
		{name: "shorter than fixed part", frame: "64  Y    ", wantErr: ErrTruncated},
		{name: "fields inside fixed part", frame: "24  Y      AOUWOLS|AAdjf|BLY|", wantErr: ErrTruncated},
		{name: "one-letter field", frame: "941A|", wantErr: ErrMalformed},
		{name: "binary field code", frame: "941\x00\x01x|", wantErr: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			frame := []byte(tc.frame)
			if strings.HasSuffix(tc.frame, "AZ0000") {
				frame = fixChecksum(frame)
			}
			m, err := Parse(frame)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, m)
		})
	}
}

// fixChecksum replaces the last 4 bytes with the right checksum.
func fixChecksum(frame []byte) []byte {
	n := len(frame)
	return fmt.Appendf(frame[:n-4:n-4], "%04X", Checksum(frame[:n-4]))
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr error
	}{
		{name: "CR", in: "941\r940\r", want: []string{"941", "940"}, wantErr: io.EOF},
		{name: "CR LF", in: "941\r\n940\r\n", want: []string{"941", "940"}, wantErr: io.EOF},
		{name: "LF inside stays", in: "99a\n99b\r", want: []string{"99a\n99b"}, wantErr: io.EOF},
		{name: "stream ends mid-frame", in: "941\r64  Y", want: []string{"941"}, wantErr: ErrTruncated},
		{name: "too long", in: strings.Repeat("x", MaxFrame+10), wantErr: ErrFrameTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tc.in), 64)
			var got []string
			var err error
			for {
				var f []byte
				f, err = ReadFrame(r)
				if err != nil {
					break
				}
				got = append(got, string(f))
			}
			assert.Equal(t, tc.want, got)
			assert.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func TestStringHidesSecrets(t *testing.T) {
	m := Message{ID: "63", Fixed: "000" + FormatDate(time.Now()) + "          ", Seq: 1, Checksum: true,
		Fields: []Field{{"AO", "UWOLS"}, {"AA", "card1"}, {"AC", "termpw"}, {"AD", "s3cr3tPIN"}, {"CO", "loginpw"}}}
	s := m.String()
	for _, secret := range []string{"s3cr3tPIN", "loginpw", "termpw"} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, s, "AAcard1|")
	assert.Contains(t, string(m.Encode()), "ADs3cr3tPIN|", "the wire form must still carry the PIN")
}

func TestStatusFlags(t *testing.T) {
	f := ParseStatusFlags("Y   Y     YY  ")
	assert.True(t, f.ChargePrivilegesDenied)
	assert.True(t, f.CardReportedLost)
	assert.True(t, f.ExcessiveOutstandingFines)
	assert.True(t, f.ExcessiveOutstandingFees)
	assert.False(t, f.RecallPrivilegesDenied)
	assert.Equal(t, "Y   Y     YY  ", f.Wire())
	assert.Equal(t, "charge privileges denied, card reported lost, excessive outstanding fines, excessive outstanding fees", f.String())

	for i, name := range StatusFlagNames {
		g, err := StatusFlagsFromNames(strings.ReplaceAll(name, " ", "_"))
		require.NoError(t, err)
		want := []byte(strings.Repeat(" ", 14))
		want[i] = 'Y'
		assert.Equal(t, string(want), g.Wire(), name)
	}
	_, err := StatusFlagsFromNames("banned")
	assert.ErrorContains(t, err, `"banned"`)
	assert.Equal(t, "none", ParseStatusFlags("").String())
}

func TestParsePatron(t *testing.T) {
	date := "20261127    051504"
	tests := []struct {
		name    string
		msg     Message
		want    Patron
		wantErr error
	}{
		{
			name: "64 with fines, fees and expiry",
			msg: Message{ID: "64", Fixed: "  Y       Y   000" + date + "000000000000000300000000", Fields: []Field{
				{"AE", "Anna"}, {"BL", "Y"}, {"CQ", "Y"}, {"BH", "EUR"}, {"BV", "12.50"}, {"PA", "20301231"}}},
			want: Patron{Valid: true, PINValid: true, Name: "Anna", FeeAmount: 12.5, Currency: "EUR", FineItems: 3,
				StatusFlags: StatusFlags{RecallPrivilegesDenied: true, ExcessiveOutstandingFines: true},
				Expires:     time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "24 unknown patron",
			msg:  Message{ID: "24", Fixed: "YYYY          000" + date, Fields: []Field{{"AE", ""}, {"BL", "N"}}},
			want: Patron{StatusFlags: ParseStatusFlags("YYYY")},
		},
		{
			name: "comma decimal fee and bad PA ignored",
			msg:  Message{ID: "24", Fixed: strings.Repeat(" ", 14) + "000" + date, Fields: []Field{{"BL", "Y"}, {"BV", "3,20"}, {"PA", "soon"}}},
			want: Patron{Valid: true, FeeAmount: 3.2},
		},
		{
			name:    "fee not a number",
			msg:     Message{ID: "24", Fixed: strings.Repeat(" ", 14) + "000" + date, Fields: []Field{{"BV", "lots"}}},
			wantErr: ErrMalformed,
		},
		{
			name:    "fee NaN",
			msg:     Message{ID: "24", Fixed: strings.Repeat(" ", 14) + "000" + date, Fields: []Field{{"BV", "NaN"}}},
			wantErr: ErrMalformed,
		},
		{
			name:    "bad count",
			msg:     Message{ID: "64", Fixed: strings.Repeat(" ", 14) + "000" + date + "000000000000x00000000000"},
			wantErr: ErrMalformed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePatron(tc.msg)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := ParsePatron(Message{ID: "94", Fixed: "1"})
	assert.Error(t, err)
}

func TestDecide(t *testing.T) {
	ok := Patron{Valid: true, PINValid: true}
	tests := []struct {
		name     string
		patron   Patron
		limit    float64
		want     error
		contains string
	}{
		{name: "ok", patron: ok, limit: 10},
		{name: "unknown wins over everything", patron: Patron{StatusFlags: ParseStatusFlags("YYYY")}, limit: 10, want: ErrUnknownPatron},
		{name: "wrong PIN", patron: Patron{Valid: true}, limit: 10, want: ErrWrongPIN},
		{name: "charge denied", patron: withFlags(ok, "Y"), limit: 10, want: ErrBlocked, contains: "charge privileges denied"},
		{name: "card lost", patron: withFlags(ok, "    Y"), limit: 10, want: ErrBlocked, contains: "card reported lost"},
		{name: "excessive fines and fees", patron: withFlags(ok, "          YY"), limit: 10, want: ErrBlocked, contains: "excessive outstanding fines, excessive outstanding fees"},
		{name: "recall denied does not block", patron: withFlags(ok, "  Y"), limit: 10},
		{name: "fees at the limit", patron: withFee(ok, 10), limit: 10},
		{name: "fees over the limit", patron: withFee(ok, 12.5), limit: 10, want: ErrFeesOverLimit, contains: "12.50 EUR"},
		{name: "negative limit turns the check off", patron: withFee(ok, 1e6), limit: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Decide(tc.patron, tc.limit)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorContains(t, err, tc.contains)
			for _, other := range []error{ErrUnknownPatron, ErrWrongPIN, ErrBlocked, ErrFeesOverLimit, ErrUnavailable} {
				if other != tc.want {
					assert.False(t, errors.Is(err, other), "also %v", other)
				}
			}
		})
	}
	var be *BlockedError
	require.ErrorAs(t, Decide(withFlags(ok, "    Y"), 0), &be)
	assert.Equal(t, []string{"card reported lost"}, be.Flags)
}

func withFlags(p Patron, wire string) Patron {
	p.StatusFlags = ParseStatusFlags(wire)
	return p
}

func withFee(p Patron, amount float64) Patron {
	p.FeeAmount, p.Currency = amount, "EUR"
	return p
}

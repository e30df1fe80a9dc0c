package sip2

import (
	"bufio"
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzSIP2Response feeds arbitrary bytes through everything the client
// does with a response: framing, decoding and reading the patron. None of
// it may panic, and a frame that decodes must encode back to a frame that
// decodes to the same message.
func FuzzSIP2Response(f *testing.F) {
	for _, seed := range []string{
		"941AY0AZFDFD\r",
		"940\r",
		"96AZFEF6\r",
		"98YNNYNN60000320261127    0514512.00AOUWOLS|BXYYYYYYYYYNYNYYYY|AY2AZEDDA\r",
		"24  Y           00020261127    051455AOUWOLS|AAdjfiander|AEDavid J. Fiander|BLY|CQY|AY1AZE7F0\r",
		"24YYYY          00020261127    051525AOUWOLS|AAJA?rvenpA?A?|AE|BLN|AY1AZEDC6\r",
		"64  Y           00020261127    051512000000000000000100000000AOUWOLS|AAdjfiander|AEDavid J. Fiander|BD2 Meadowvale Dr. St Thomas, ON|AQBeacock|AVComputer Time|BLY|CQY|BHEUR|BV12.50|PA20501231|PIY|XIdjfiander|AY2AZB53F\r",
		"36Y20261127    051514AOUWOLS|AAdjfiander|AFThank you for using Evergreen!|AY2AZE740\r\n",
		"64YYYY     \r",
		"24\xff\xfe|||AY\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for {
			frame, err := ReadFrame(r)
			if err != nil {
				return
			}
			m, err := Parse(frame)
			if err != nil {
				continue
			}
			if m.ID == "24" || m.ID == "64" {
				p, err := ParsePatron(m)
				if err == nil {
					_ = Decide(p, 10)
					_ = p.String()
				}
			}
			if !utf8.Valid(frame) {
				continue // re-encoding Latin-1 as UTF-8 changes the bytes
			}
			again, err := Parse(bytes.TrimSuffix(m.Encode(), []byte("\r")))
			require.NoError(t, err, "re-encoded %q", m.Encode())
			assert.Equal(t, m, again)
		}
	})
}

package protocol

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMagicPacket(t *testing.T) {
	mac, err := ParseMAC("52:54:00:12:34:56")
	require.NoError(t, err)
	p := MagicPacket(mac)
	require.Len(t, p, 102)
	assert.Equal(t, bytes.Repeat([]byte{0xff}, 6), p[:6])
	for i := range 16 {
		assert.Equal(t, []byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, p[6+6*i:12+6*i], "repeat %d", i)
	}
}

func TestParseWake(t *testing.T) {
	macs, err := ParseWake("52:54:00:12:34:56, 52-54-00-AB-CD-EF")
	require.NoError(t, err)
	assert.Equal(t, "52:54:00:12:34:56,52:54:00:ab:cd:ef", FormatWake(macs))
	for _, bad := range []string{"", "52:54:00:12:34", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff",
		"02:00:5e:10:00:00:00:01", "52:54:00:12:34:56,", "x"} {
		_, err := ParseWake(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestPowerSpanValidate(t *testing.T) {
	off := time.Date(2026, 12, 1, 20, 15, 0, 0, time.UTC)
	assert.NoError(t, PowerSpan{OffAt: off, OnAt: off.Add(12 * time.Hour)}.Validate())
	assert.Error(t, PowerSpan{OffAt: off, OnAt: off}.Validate())
	assert.Error(t, PowerSpan{OnAt: off}.Validate())
	assert.Error(t, PowerSpan{OffAt: off, OnAt: off.Add(400 * 24 * time.Hour)}.Validate())
}

func FuzzParseWake(f *testing.F) {
	for _, s := range []string{"52:54:00:12:34:56", "52:54:00:12:34:56,52:54:00:12:34:57", "", ",", "zz:zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		macs, err := ParseWake(s)
		if err != nil {
			return
		}
		again, err := ParseWake(FormatWake(macs))
		if err != nil || len(again) != len(macs) {
			t.Fatalf("%q: formatted %q does not read back: %v", s, FormatWake(macs), err)
		}
		for _, m := range macs {
			if len(MagicPacket(m)) != 102 {
				t.Fatalf("magic packet of %s is not 102 bytes", m)
			}
		}
	})
}

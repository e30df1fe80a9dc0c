package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	good, err := Encode("e1-1", TypeEvent, Event{Epoch: "e1", Seq: 1, Kind: EventHealth, At: time.Now()})
	require.NoError(t, err)
	tests := []struct {
		name    string
		frame   string
		wantErr string
		is      error
	}{
		{"valid event", string(good), "", nil},
		{"not json", `{"v":1,`, "malformed envelope", ErrMalformed},
		{"array", `[1,2]`, "malformed envelope", ErrMalformed},
		{"wrong version", `{"v":2,"id":"x","type":"event"}`, "unsupported protocol version 2", nil},
		{"no version", `{"id":"x","type":"event"}`, "unsupported protocol version 0", nil},
		{"no type", `{"v":1,"id":"x"}`, "missing type", ErrMalformed},
		// A newer peer's frame type is a well-formed envelope; the caller ignores it.
		{"unknown type", `{"v":1,"id":"x","type":"signage_slide","body":{"url":"x"}}`, "", nil},
		{"long type", `{"v":1,"id":"x","type":"` + strings.Repeat("x", 65) + `"}`, "type must be at most 64", ErrMalformed},
		{"no id", `{"v":1,"type":"event"}`, "id must be 1 to 128", ErrMalformed},
		{"long id", `{"v":1,"type":"event","id":"` + strings.Repeat("x", 129) + `"}`, "id must be 1 to 128", ErrMalformed},
		{"oversized", `{"v":1,"id":"x","type":"event","body":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, "exceeds", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.frame))
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			if tc.is != nil {
				assert.True(t, errors.Is(err, tc.is))
			}
		})
	}
}

func TestEventValidate(t *testing.T) {
	ok := Event{Epoch: "e", Seq: 1, Kind: "health", At: time.Now()}
	assert.NoError(t, ok.Validate())
	for name, mutate := range map[string]func(*Event){
		"no epoch": func(e *Event) { e.Epoch = "" },
		"zero seq": func(e *Event) { e.Seq = 0 },
		"no kind":  func(e *Event) { e.Kind = "" },
		"no time":  func(e *Event) { e.At = time.Time{} },
	} {
		e := ok
		mutate(&e)
		assert.ErrorIs(t, e.Validate(), ErrMalformed, name)
	}
}

func TestRoundTrip(t *testing.T) {
	cmd := Command{ID: "c-1", Type: CommandMessage, Text: "Hei! Kirjasto sulkeutuu 15 min päästä", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	frame, err := Encode("c-1", TypeCommand, cmd)
	require.NoError(t, err)
	env, err := Decode(frame)
	require.NoError(t, err)
	var got Command
	require.NoError(t, DecodeBody(env, &got))
	assert.Equal(t, cmd.Text, got.Text)
	assert.True(t, cmd.CreatedAt.Equal(got.CreatedAt))
	assert.ErrorIs(t, DecodeBody(Envelope{Type: TypeCommand}, &got), ErrMalformed)
}

// FuzzEnvelope: the decoder never panics, and whatever it accepts is a
// well-formed envelope that encodes back to something it accepts again.
func FuzzEnvelope(f *testing.F) {
	seed, _ := Encode("e-1", TypeEvent, Event{Epoch: "e", Seq: 1, Kind: "health", At: time.Unix(1, 0)})
	f.Add(seed)
	f.Add([]byte(`{"v":1,"id":"a","type":"ack","body":{"epoch":"e","seq":3}}`))
	f.Add([]byte(`{"v":1,"id":"a","type":"command","body":{"id":"c","type":"reboot"}}`))
	f.Add([]byte(`{"v":1,"id":"","type":"hello"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := Decode(frame)
		if err != nil {
			return
		}
		if env.V != Version || env.ID == "" || len(env.ID) > 128 || env.Type == "" || len(env.Type) > 64 {
			t.Fatalf("accepted a bad envelope: %+v", env)
		}
		var ev Event
		if env.Type == TypeEvent && DecodeBody(env, &ev) == nil {
			ev.Validate() // must not panic
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := Decode(again); err != nil && len(again) <= MaxFrameBytes {
			t.Fatalf("re-decode of accepted envelope failed: %v", err)
		}
	})
}

func TestKnownType(t *testing.T) {
	for _, typ := range []string{TypeHello, TypeWelcome, TypeEvent, TypeAck, TypeCommand, TypePolicy, TypeNotice} {
		assert.True(t, KnownType(typ), typ)
	}
	assert.False(t, KnownType("signage_slide"))
	assert.False(t, KnownType(""))
}

func TestUnknownTypesSaysEachOnce(t *testing.T) {
	var u UnknownTypes
	assert.True(t, u.First("a"))
	assert.False(t, u.First("a"), "the same type again")
	assert.True(t, u.First("b"))
	for i := range maxUnknownNoted {
		u.First(fmt.Sprint("t", i))
	}
	assert.False(t, u.First("one-too-many"), "past the bound nothing more is noted")
}

// A body from a newer peer with fields this build does not know decodes
// into the known fields.
func TestDecodeBodyIgnoresUnknownFields(t *testing.T) {
	env, err := Decode([]byte(`{"v":1,"id":"c","type":"command","body":{"id":"c-1","type":"lock","priority":"high","nested":{"a":[1]}}}`))
	require.NoError(t, err)
	var cmd Command
	require.NoError(t, DecodeBody(env, &cmd))
	assert.Equal(t, Command{ID: "c-1", Type: CommandLock}, cmd)
}

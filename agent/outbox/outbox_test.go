package outbox

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both outboxes keep the same contract.
func implementations(t *testing.T) map[string]func() Outbox {
	return map[string]func() Outbox{
		"memory": func() Outbox { return NewMemory() },
		"file": func() Outbox {
			f, err := Open(t.TempDir())
			require.NoError(t, err)
			t.Cleanup(func() { f.Close() })
			return f
		},
	}
}

func TestOutboxContract(t *testing.T) {
	for name, open := range implementations(t) {
		t.Run(name, func(t *testing.T) {
			ob := open()
			require.NotEmpty(t, ob.Epoch())
			for i := 1; i <= 5; i++ {
				seq, err := ob.Append("test", time.Now(), []byte(fmt.Sprintf(`{"n":%d}`, i)))
				require.NoError(t, err)
				assert.Equal(t, uint64(i), seq)
			}
			select {
			case <-ob.Notify():
			default:
				t.Fatal("append did not notify")
			}
			evs, err := ob.After(2, 2)
			require.NoError(t, err)
			require.Len(t, evs, 2)
			assert.Equal(t, uint64(3), evs[0].Seq)
			assert.Equal(t, ob.Epoch(), evs[0].Epoch)
			assert.JSONEq(t, `{"n":3}`, string(evs[0].Data))

			require.NoError(t, ob.Ack(3))
			assert.Equal(t, 2, ob.Len())
			evs, _ = ob.After(0, 10)
			require.Len(t, evs, 2)
			assert.Equal(t, uint64(4), evs[0].Seq)

			// Acking everything never lets a seq be reused.
			require.NoError(t, ob.Ack(5))
			seq, err := ob.Append("test", time.Now(), nil)
			require.NoError(t, err)
			assert.Equal(t, uint64(6), seq)

			log := ob.(CommandLog)
			first, err := log.FirstSeen("c-1")
			require.NoError(t, err)
			assert.True(t, first)
			first, _ = log.FirstSeen("c-1")
			assert.False(t, first, "a redelivered command is not new")
		})
	}
}

// What was appended survives closing and reopening (a restart or power
// cut), with the same epoch, so the fleet recognises resends.
func TestFileOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ob, err := Open(dir)
	require.NoError(t, err)
	epoch := ob.Epoch()
	for i := 0; i < 3; i++ {
		_, err := ob.Append("state", time.Now(), []byte(`{}`))
		require.NoError(t, err)
	}
	require.NoError(t, ob.Ack(1))
	_, err = ob.FirstSeen("c-9")
	require.NoError(t, err)
	require.NoError(t, ob.Close())

	again, err := Open(dir)
	require.NoError(t, err)
	defer again.Close()
	assert.Equal(t, epoch, again.Epoch())
	assert.Equal(t, 2, again.Len())
	evs, err := again.After(0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, uint64(2), evs[0].Seq)
	first, _ := again.FirstSeen("c-9")
	assert.False(t, first, "executed commands are remembered across restarts")
}

func TestOutboxConcurrentAppendsAreDense(t *testing.T) {
	for name, open := range implementations(t) {
		t.Run(name, func(t *testing.T) {
			ob := open()
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 25; i++ {
						_, err := ob.Append("test", time.Now(), nil)
						assert.NoError(t, err)
					}
				}()
			}
			wg.Wait()
			evs, err := ob.After(0, 1000)
			require.NoError(t, err)
			require.Len(t, evs, 200)
			for i, e := range evs {
				assert.Equal(t, uint64(i+1), e.Seq)
			}
		})
	}
}

func BenchmarkFileAppend(b *testing.B) {
	ob, err := Open(b.TempDir())
	require.NoError(b, err)
	defer ob.Close()
	data := []byte(`{"cpu_percent":12.5,"mem_used_percent":40}`)
	for b.Loop() {
		ob.Append("health", time.Now(), data)
	}
}

package measures_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"piste/fleet/auth"
	"piste/fleet/measures"
	"piste/fleet/store"
)

// BenchmarkOpenData measures counting a month's open data (uncached: a new
// clock minute each round) over a large network:
// 80 branches, 20,000 PCs, 100,000 sessions and 20,000 agent updates.
func BenchmarkOpenData(b *testing.B) {
	st, err := store.Open(b.TempDir())
	require.NoError(b, err)
	defer st.Close()
	ctx := context.Background()
	nov := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	const branches, pcs, sessions = 80, 20_000, 100_000
	for i := range branches {
		id := fmt.Sprintf("b%02d", i)
		require.NoError(b, st.AddBranch(ctx, store.Branch{ID: id, Name: id, TZ: "UTC"}))
		require.NoError(b, st.AddEnrollCode(ctx, auth.HashToken(id), id, pcs, nov.Add(time.Hour)))
	}
	ids := make([]string, pcs)
	for i := range pcs {
		ids[i] = fmt.Sprintf("t-%05d", i)
		_, err := st.Enroll(ctx, auth.HashToken(fmt.Sprintf("b%02d", i%branches)), store.Terminal{ID: ids[i], Name: ids[i], Kind: "pc",
			TokenHash: auth.HashToken(ids[i]), AgentVersion: "1.0"}, nov.Add(-time.Hour))
		require.NoError(b, err)
	}
	// Grants sent together share a transaction: seed from many goroutines.
	var wg sync.WaitGroup
	const workers = 100
	for w := range workers {
		wg.Go(func() {
			for i := w; i < sessions; i += workers {
				at := nov.Add(time.Duration(i%(29*24)) * time.Hour)
				kind := []string{"card", "card", "guest"}[i%3]
				_, err := st.GrantSession(ctx, store.VisitorSession{ID: fmt.Sprint("s", i), TerminalID: ids[i%pcs], Branch: fmt.Sprintf("b%02d", i%pcs%branches),
					Kind: kind, CardHash: fmt.Sprint("c", i), Day: at.Format(time.DateOnly), GrantedAt: at}, func(int) (int, error) { return 30, nil })
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var ps []store.Presence
	for i := range 20_000 {
		ps = append(ps, store.Presence{TerminalID: ids[i], LastSeen: nov.Add(time.Hour), AgentVersion: "1.1", Hostname: "h", OS: "linux"})
	}
	require.NoError(b, st.UpdatePresence(ctx, ps))
	s := measures.New(st)
	round := 0
	s.Now = func() time.Time { return nov.AddDate(0, 1, 0).Add(time.Duration(round) * time.Hour) }
	b.ResetTimer()
	for b.Loop() {
		round++
		rows, err := s.OpenData(ctx, "2026-11")
		if err != nil || len(rows) != branches {
			b.Fatalf("rows %d, err %v", len(rows), err)
		}
		if err := measures.WriteCSV(io.Discard, rows); err != nil {
			b.Fatal(err)
		}
	}
}

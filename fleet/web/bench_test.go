package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/fleet/terminals"
)

// BenchmarkListPage renders the list of ten thousand terminals, the size
// the pages must stay usable at.
func BenchmarkListPage(b *testing.B) {
	views := make([]terminals.View, 10000)
	now := time.Now()
	for i := range views {
		views[i] = terminals.View{ID: fmt.Sprintf("t-%05d", i), Name: fmt.Sprintf("pc-%05d", i), Branch: "kallio",
			Kind: "pc", Status: terminals.StatusOnline, AgentVersion: "1.2.3", LastSeen: now,
			Health: store.Health{At: now, CPUPercent: 12, MemUsedPercent: 40, DiskUsedPercent: 55, UptimeSeconds: 86400}}
	}
	p := New(Services{}, slog.New(slog.DiscardHandler))
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		v := view{Title: "Terminals", User: staff.Member{Name: "ada", Role: staff.RoleAdmin}, Now: now, Data: BuildList(views, Filter{}, now)}
		if err := p.tmpl["en"]["terminals"].ExecuteTemplate(&buf, "layout.html", v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

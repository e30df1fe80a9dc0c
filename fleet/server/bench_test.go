package server

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"piste/fleet/sip2"
	"piste/fleet/visits"
	"piste/testing/sip2server"
)

// BenchmarkCardLogin measures the agent login endpoint end to end: HTTP,
// terminal token, policy, SIP2 round trip to the test server, quota write.
func BenchmarkCardLogin(b *testing.B) {
	var patrons []sip2server.Patron
	for i := range 200 {
		patrons = append(patrons, sip2server.Patron{ID: fmt.Sprintf("3%07d", i), PIN: "1234", Name: "Bench", Internet: true})
	}
	lib, err := sip2server.New(sip2server.Config{Patrons: patrons})
	if err != nil {
		b.Fatal(err)
	}
	if err := lib.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer lib.Close()
	f := newTestFleetWith(b, func(c *Config) {
		c.SIP2 = &sip2.Config{Addr: lib.Addr(), User: "scclient", Password: "clientpwd", Institution: "UWOLS", Size: 16}
		c.CardChecks = &visits.CardCheckLimits{} // the benchmark is the flood the limits would refuse
	}, nil)
	f.applyPolicy("fleet", "session:\n  max_minutes: 2\n  warn_minutes: [1]\n  walkup_minutes: 2\n  daily_minutes: 1440\n")
	var tokens []string
	for range 20 {
		_, tok := f.enroll("kallio")
		tokens = append(tokens, tok)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}, Timeout: 30 * time.Second}
	var n atomic.Int64
	b.SetParallelism(50)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/agent/login",
				strings.NewReader(fmt.Sprintf(`{"card":"3%07d","pin":"1234"}`, i%200)))
			req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

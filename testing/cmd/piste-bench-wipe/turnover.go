package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	agentconfig "piste/agent/config"
	"piste/agent/daemon"
	"piste/agent/localapi"
	"piste/agent/state"
	"piste/policies/policy"
)

// turnover times what a visitor waiting for the PC sees: from "end
// session" pressed (the local API's End) to the welcome screen ready again
// (status idle, which the agent reports only after a verified wipe),
// through a real agent daemon running in this process. The fleet is left
// unreachable on purpose: the session is a walk-up one, and the turnover
// must not depend on the network.
func (b *bench) turnover(ctx context.Context) (float64, error) {
	dir := filepath.Join(b.base, "agent")
	if err := b.agentState(dir); err != nil {
		return 0, err
	}
	local := agentconfig.Config{File: "piste-bench-wipe", VisitorAccounts: []string{b.user}, Skeletons: []string{b.skel}}
	d, err := daemon.New(daemon.Options{StateDir: dir, Version: "bench", Wiper: b.engine, Local: &local,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, fmt.Errorf("start agent: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() { stop(); <-done }()

	client := localapi.NewClient(filepath.Join(dir, state.SocketFile))
	defer client.Close()
	if err := waitState(ctx, client, localapi.StateIdle, 30*time.Second); err != nil {
		return 0, err
	}
	if err := client.Login(ctx, localapi.LoginRequest{Card: "bench", PIN: "0000"}); err != nil {
		return 0, fmt.Errorf("walk-up login: %w", err)
	}
	if err := fill(ctx, filepath.Join(b.home, "Downloads"), b.cfg.files, b.cfg.megabytes, b.uid, b.gid); err != nil {
		return 0, fmt.Errorf("fill home: %w", err)
	}
	syscall.Sync()
	if err := b.startProcs(); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := client.End(ctx); err != nil {
		return 0, fmt.Errorf("end session: %w", err)
	}
	if err := waitState(ctx, client, localapi.StateIdle, 5*time.Minute); err != nil {
		return 0, err
	}
	secs := time.Since(start).Seconds()
	if _, err := os.Lstat(filepath.Join(b.home, "Downloads")); err == nil {
		return secs, errors.New("the agent reported idle but the visitor's files are still there")
	}
	return secs, nil
}

// agentState writes an enrollment whose fleet nobody serves, and a policy
// that runs sessions as the bench's visitor.
func (b *bench) agentState(dir string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	nowhere := "http://" + ln.Addr().String()
	ln.Close()
	cfg := state.Config{Server: nowhere, TerminalID: "bench", Name: "bench", Kind: "pc", EnrolledAt: time.Now()}
	if err := state.Save(dir, cfg, "bench-token"); err != nil {
		return err
	}
	p := policy.Defaults()
	p.Session.KioskUser = b.user
	p.Session.Offline = policy.OfflineAllowWalkup
	p.Wipe.Skeleton = b.skel
	p.Wipe.GraceSeconds = 2
	p.Hours = policy.Hours{Timezone: "UTC"}
	if err := p.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, daemon.PolicyFile), data, 0o644)
}

// waitState follows the agent's status until it reaches want; out of
// service means the wipe was not verified.
func waitState(ctx context.Context, c *localapi.Client, want localapi.State, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for st := range c.Watch(ctx) {
		switch st.State {
		case want:
			return nil
		case localapi.StateOutOfService:
			if st.Reason != localapi.ReasonAgentUnreachable { // not started yet
				return fmt.Errorf("agent out of service (%s): the wipe was not verified", st.Reason)
			}
		}
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("agent not %s within %s", want, limit)
	}
	return fmt.Errorf("agent not %s", want)
}

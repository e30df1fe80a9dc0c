package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kardianos/service"

	"piste/agent/config"
	"piste/agent/daemon"
)

// program adapts the daemon to kardianos/service.
type program struct {
	rf     runFlags
	stdio  IO
	cancel context.CancelFunc
	done   chan error
}

func (p *program) Start(s service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() {
		err := runDaemon(ctx, p.rf, p.stdio.Err)
		if errors.Is(err, daemon.ErrRestart) {
			// restart_agent or an installed update: start afresh in place.
			err = restartSelf()
		}
		p.done <- err
	}()
	return nil
}

func (p *program) Stop(s service.Service) error {
	p.cancel()
	return <-p.done
}

func newService(rf runFlags, stdio IO) (service.Service, error) {
	cfg := &service.Config{
		Name:        "piste-agent",
		DisplayName: "Piste agent",
		Description: "Runs visitor sessions, privacy wipes and the fleet link of this public terminal.",
		Arguments:   rf.args(),
		Option: service.KeyValue{
			"Restart":                "always", // systemd: come back after a crash or restart_agent
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "5s",
		},
	}
	return service.New(&program{rf: rf, stdio: stdio}, cfg)
}

func serviceCmd(action string, args []string, stdio IO) error {
	fs := newFlags(action, stdio)
	var rf runFlags
	rf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := rf.absolute(); err != nil {
		return err
	}
	if action == "install" {
		// A config the service would refuse at every start is better told now.
		if _, err := config.Load(rf.config); err != nil {
			return err
		}
	}
	svc, err := newService(rf, stdio)
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	if err := service.Control(svc, action); err != nil {
		return fmt.Errorf("service %s (%s): %w", action, svc.Platform(), err)
	}
	if action == "uninstall" && svc.Platform() == "unix-systemv" {
		removeRCLinks("piste-agent")
	}
	fmt.Fprintf(stdio.Out, "service piste-agent: %s done (%s)\n", action, svc.Platform())
	return nil
}

// removeRCLinks removes the SysV runlevel links that the service library
// creates on install but leaves behind on uninstall.
func removeRCLinks(name string) {
	links, _ := filepath.Glob("/etc/rc[0-6S].d/[SK][0-9][0-9]" + name)
	for _, l := range links {
		os.Remove(l)
	}
}

package daemon

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"piste/agent/localapi"
	"piste/agent/wipe"
	"piste/fleet/protocol"
)

// runCommand executes one fleet command and reports its result through the
// outbox, so the result reaches the fleet even across a restart.
func (d *Daemon) runCommand(cmd protocol.Command) {
	d.log.Info("command", "id", cmd.ID, "type", cmd.Type)
	err := d.execute(cmd)
	result := protocol.CommandResult{CommandID: cmd.ID, Status: protocol.CommandDone}
	if err != nil {
		result.Status, result.Error = protocol.CommandFailed, err.Error()
		d.log.Warn("command failed", "id", cmd.ID, "type", cmd.Type, "err", err)
	}
	d.emit(protocol.EventCommandResult, result)
	if err == nil && cmd.Type == protocol.CommandRestartAgent {
		d.restart <- struct{}{}
	}
}

func (d *Daemon) execute(cmd protocol.Command) error {
	switch cmd.Type {
	case protocol.CommandMessage:
		d.update(func(s *localapi.Status) {
			s.Message = &localapi.Message{ID: cmd.ID, Text: cmd.Text, Texts: cmd.Texts, At: time.Now().UTC()}
		})
		return nil
	case protocol.CommandLock:
		d.session.Lock()
		return nil
	case protocol.CommandUnlock:
		return d.session.Unlock(context.Background())
	case protocol.CommandWipe:
		return d.session.Wipe(context.Background())
	case protocol.CommandEndSession:
		return d.session.EndWith(wipe.TriggerRemote)
	case protocol.CommandRestartAgent:
		return nil // the restart follows once the result is in the outbox
	case protocol.CommandReboot, protocol.CommandShutdown:
		return d.power(cmd.Type)
	case protocol.CommandWake:
		return d.wake(cmd.Text)
	case protocol.CommandScreenshot:
		return d.screenshot(cmd.ID)
	}
	return fmt.Errorf("command %q is not supported by agent %s", cmd.Type, d.opts.Version)
}

// power reboots or shuts the machine down with the operating system's tool.
func (d *Daemon) power(kind string) error {
	argv := powerCommand(kind)
	if d.opts.PowerDryRun {
		d.log.Warn("power command not run (--power-dry-run)", "command", argv)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v: %s", argv, err, out)
	}
	return nil
}

func powerCommand(kind string) []string {
	reboot := kind == protocol.CommandReboot
	if runtime.GOOS == "windows" {
		if reboot {
			return []string{"shutdown", "/r", "/t", "0"}
		}
		return []string{"shutdown", "/s", "/t", "0"}
	}
	if reboot {
		return []string{"shutdown", "-r", "now"}
	}
	return []string{"shutdown", "-h", "now"}
}

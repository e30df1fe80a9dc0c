// Package health measures the terminal for the fleet: CPU, memory, the
// system disk, uptime and the agent's own memory, with gopsutil.
package health

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"

	"piste/fleet/protocol"
)

// Sampler keeps a recent CPU reading so that Sample never blocks: a CPU
// percentage needs an interval to measure over, which gopsutil spends
// sleeping.
type Sampler struct {
	mu   sync.Mutex
	cpu  float64
	proc *process.Process
}

// NewSampler returns a sampler; Run keeps its CPU reading fresh.
func NewSampler() *Sampler {
	p, _ := process.NewProcess(int32(os.Getpid()))
	return &Sampler{proc: p}
}

// Run measures CPU over each interval until ctx ends.
func (s *Sampler) Run(ctx context.Context, interval time.Duration) {
	for ctx.Err() == nil {
		pct, err := cpu.PercentWithContext(ctx, interval, false)
		if err == nil && len(pct) == 1 {
			s.mu.Lock()
			s.cpu = pct[0]
			s.mu.Unlock()
		}
	}
}

// Sample reads the machine's health now. Parts that cannot be read (a
// platform without them) are left zero rather than failing the whole sample.
func (s *Sampler) Sample(ctx context.Context) protocol.Health {
	var h protocol.Health
	s.mu.Lock()
	h.CPUPercent = s.cpu
	s.mu.Unlock()
	if vm, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		h.MemUsedPercent = vm.UsedPercent
	}
	if du, err := disk.UsageWithContext(ctx, systemVolume()); err == nil {
		h.DiskUsedPercent = du.UsedPercent
	}
	if up, err := host.UptimeWithContext(ctx); err == nil {
		h.UptimeSeconds = up
	}
	if s.proc != nil {
		if mi, err := s.proc.MemoryInfoWithContext(ctx); err == nil {
			h.AgentRSSBytes = mi.RSS
		}
	}
	return h
}

// systemVolume is the volume the operating system runs from.
func systemVolume() string {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("SystemDrive"); d != "" {
			return d + `\`
		}
		return `C:\`
	}
	return "/"
}

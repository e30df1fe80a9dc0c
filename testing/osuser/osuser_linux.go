// Package osuser cleans up after tests and benchmarks that run a real OS
// account for visitors: its processes and the mounts on its home.
package osuser

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// KillAll sends SIGKILL to every process of uid until none is left
// (zombies aside) or about two seconds have passed. uid 0 is refused.
func KillAll(uid int) {
	if uid == 0 {
		return
	}
	for range 100 {
		found := false
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
			if err != nil || strings.Contains(string(b), "State:\tZ") {
				continue
			}
			if strings.Contains(string(b), fmt.Sprintf("\nUid:\t%d\t", uid)) {
				found = true
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if !found {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// UnmountBelow detaches every mount at or below dir, deepest first.
func UnmountBelow(dir string) {
	for range 20 {
		b, _ := os.ReadFile("/proc/self/mountinfo")
		var points []string
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
				points = append(points, f[4])
			}
		}
		if len(points) == 0 {
			return
		}
		for i := len(points) - 1; i >= 0; i-- {
			_ = syscall.Unmount(points[i], syscall.MNT_DETACH)
		}
	}
}

package wipe

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// cupsSpool is where CUPS keeps each job's control file (cNNNNN, its IPP
// attributes, the document's title among them) and data files
// (dNNNNN-NNN), for pending jobs and, by default, for a day of history.
var cupsSpool = "/var/spool/cups"

// printerOf returns the queue of a job id such as "office-laser-12".
func printerOf(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// purgeHistory makes CUPS forget the visitor's finished jobs with their
// files: the same account could otherwise list their titles or print them
// again. CUPS purges history per queue only (cancel -a -x), so a queue is
// purged only when every job it remembers is the visitor's; a queue that
// also holds someone else's history fails the wipe.
func (e *linuxEngine) purgeHistory(ctx context.Context, rc *recorder, user string) {
	out, err := runTool(ctx, e.opts.CommandTimeout, "lpstat", "-W", "all", "-o")
	if err != nil {
		rc.fail(StepPrint, "", fmt.Errorf("lpstat -W all -o: %w: %s", err, out))
		return
	}
	mine, others := map[string]int{}, map[string]bool{}
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "-") {
			continue
		}
		if f[1] == user {
			mine[printerOf(f[0])]++
		} else {
			others[printerOf(f[0])] = true
		}
	}
	for printer, n := range mine {
		if others[printer] {
			rc.fail(StepPrint, cupsSpool, fmt.Errorf("queue %s also remembers other accounts' jobs, so the visitor's %d jobs cannot be purged alone: check them and purge with cancel -a -x %s", printer, n, printer))
			continue
		}
		if out, err := runTool(ctx, e.opts.CommandTimeout, "cancel", "-a", "-x", printer); err != nil {
			rc.fail(StepPrint, "", fmt.Errorf("cancel -a -x %s: %w: %s", printer, err, out))
			continue
		}
		rc.count(StepPrint, int64(n))
	}
}

// cupsJobUser reads the job-originating-user-name attribute from the IPP
// encoding of a control file: a value tag, the name's length and the name,
// then the value's length and the value.
func cupsJobUser(b []byte) (string, bool) {
	name := []byte("job-originating-user-name")
	i := bytes.Index(b, name)
	if i < 2 {
		return "", false
	}
	i += len(name)
	if i+2 > len(b) {
		return "", false
	}
	n := int(binary.BigEndian.Uint16(b[i:]))
	if i+2+n > len(b) {
		return "", false
	}
	return string(b[i+2 : i+2+n]), true
}

// visitorSpoolFiles lists the control files of the visitor's jobs in the
// CUPS spool, with the data files of the same jobs.
func visitorSpoolFiles(user string) ([]string, error) {
	ents, err := os.ReadDir(cupsSpool)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ent := range ents {
		name := ent.Name()
		if !strings.HasPrefix(name, "c") || !ent.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cupsSpool, name))
		if err != nil {
			continue // removed since the listing
		}
		if u, ok := cupsJobUser(b); !ok || u != user {
			continue
		}
		out = append(out, filepath.Join(cupsSpool, name))
		data, _ := filepath.Glob(filepath.Join(cupsSpool, "d"+name[1:]+"-*"))
		out = append(out, data...)
	}
	return out, nil
}

// removeSpoolFiles removes what is left of the visitor's jobs in the spool
// after CUPS was asked to purge them (or when no scheduler runs).
func removeSpoolFiles(rc *recorder, user string) {
	files, err := visitorSpoolFiles(user)
	if err != nil {
		rc.fail(StepPrint, cupsSpool, fmt.Errorf("list the print spool: %w", err))
		return
	}
	for _, f := range files {
		removeRegular(rc, StepPrint, f)
	}
}

func (e *linuxEngine) verifySpool(_ context.Context, rc *recorder, t target) {
	files, err := visitorSpoolFiles(t.User)
	if err != nil {
		rc.fail(verifyStep(StepPrint), cupsSpool, err)
	}
	if len(files) > 0 {
		rc.fail(verifyStep(StepPrint), cupsSpool, fmt.Errorf("%d spool files of the visitor's print jobs left", len(files)))
	}
}

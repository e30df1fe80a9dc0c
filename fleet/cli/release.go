package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"piste/fleet/audit"
	"piste/fleet/releases"
	"piste/fleet/staff"
	"piste/internal/release"
)

// releaseAdd adds a signed release on the data directory. It works the
// same whether or not a server runs there: the server keeps nothing of
// releases in memory, and the store takes a second writer.
func releaseAdd(args []string, stdio IO) error {
	fs := newFlags("release add", stdio)
	dir := fs.String("data", "", "data directory")
	var up releases.Upload
	fs.StringVar(&up.Version, "version", "", "release version, e.g. 1.4.2")
	fs.StringVar(&up.OS, "os", "linux", "target operating system")
	fs.StringVar(&up.Arch, "arch", "amd64", "target architecture")
	keys := fs.String("release-keys", "", "file of trusted release public keys (default: release-keys in --data)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%v", err)
	}
	if fs.NArg() != 2 {
		return usageErr("release add takes the release FILE and its FILE%s signature", release.SignatureSuffix)
	}
	file, sigFile := fs.Arg(0), fs.Arg(1)
	sig, err := readSmall(sigFile, release.MaxSignatureBytes)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := openStore(*dir)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := releases.New(st, *dir, audit.New(st))
	if err := svc.LoadKeys(*dir, *keys); err != nil {
		return err
	}
	rel, err := svc.Add(context.Background(), staff.CLI, up, f, sig)
	if err != nil {
		return inputErr(err)
	}
	fmt.Fprintf(stdio.Out, "release %s for %s/%s added (sha256 %s, %d bytes)\n", rel.Version, rel.OS, rel.Arch, rel.SHA256, rel.Size)
	return nil
}

// readSmall reads a file of at most limit bytes.
func readSmall(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, usageErr("%s is %d bytes; a signature file is under %d", path, fi.Size(), limit)
	}
	return os.ReadFile(path)
}

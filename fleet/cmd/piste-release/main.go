// Command piste-release makes and signs agent releases offline: keygen
// writes the signing key pair, pack builds a release artifact, sign writes
// its minisign signature. The fleet never holds the secret key.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"piste/internal/release"
)

const usage = `usage: piste-release COMMAND [flags]

commands:
  keygen --out DIR                 write DIR/piste-release.key (secret, 0600) and DIR/piste-release.pub
  sign --key KEYFILE FILE          write FILE.minisig
  pack --version V --os OS --arch ARCH --out FILE piste-agent [piste-kiosk]
                                   build a release artifact (tar.gz)
`

var errUsage = errors.New("usage")

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "keygen":
		err = keygen(args[1:], stdout, stderr)
	case "sign":
		err = sign(args[1:], stdout, stderr)
	case "pack":
		err = pack(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown command %q\n\n%s", errUsage, args[0], usage)
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "piste-release: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "piste-release: %v\n", err)
	return 1
}

func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("piste-release "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func keygen(args []string, stdout, stderr io.Writer) error {
	fs := flags("keygen", stderr)
	out := fs.String("out", "", "directory for the key pair (created 0700)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: keygen takes --out DIR and nothing else", errUsage)
	}
	pub, err := release.GenerateKeys(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/%s (keep it offline) and %s\n", *out, release.PrivateKeyFile, pub)
	fmt.Fprintf(stdout, "put its key line in every terminal's agent config as update_public_key\n")
	return nil
}

func sign(args []string, stdout, stderr io.Writer) error {
	fs := flags("sign", stderr)
	key := fs.String("key", "", "secret key file from piste-release keygen")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: sign takes --key KEYFILE and one FILE", errUsage)
	}
	out, err := release.SignFile(*key, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	return nil
}

func pack(args []string, stdout, stderr io.Writer) error {
	fs := flags("pack", stderr)
	var m release.Manifest
	fs.StringVar(&m.Version, "version", "", "release version, e.g. 1.4.2 (the agent binary's own)")
	fs.StringVar(&m.OS, "os", "linux", "target operating system")
	fs.StringVar(&m.Arch, "arch", "amd64", "target architecture")
	out := fs.String("out", "", "artifact file to write (.tar.gz)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: pack takes --version, --out and the binaries", errUsage)
	}
	if err := m.Check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := errors.Join(release.Pack(f, m, fs.Args()...), f.Close()); err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

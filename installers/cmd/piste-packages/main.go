// Command piste-packages builds Piste's packages into a directory: the
// agent and fleet .deb files, the Windows agent MSI (signed with a
// code-signing certificate from files) and SHA256SUMS.
//
//	piste-packages --out dist --sign-cert cert.pem --sign-key key.pem
//	piste-packages --out dist --unsigned        # for trying it out
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"piste/installers/packages"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "piste-packages:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("piste-packages", flag.ContinueOnError)
	root := fs.String("root", ".", "the Piste source tree")
	out := fs.String("out", "dist", "where the packages go")
	var s packages.Signer
	fs.StringVar(&s.Cert, "sign-cert", "", "code-signing certificate chain (PEM) for the Windows files")
	fs.StringVar(&s.Key, "sign-key", "", "its private key (PEM file, mode 600)")
	fs.StringVar(&s.PKCS12, "sign-pkcs12", "", "or: a PKCS#12 (.pfx) file with certificate and key")
	fs.StringVar(&s.PassFile, "sign-pass-file", "", "file holding the PKCS#12 password")
	fs.StringVar(&s.Timestamp, "sign-timestamp", "", "RFC 3161 time-stamping URL (optional)")
	unsigned := fs.Bool("unsigned", false, "build the MSI without signing it (not for production)")
	noMSI := fs.Bool("no-msi", false, "skip the Windows MSI")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := packages.Options{Root: *root, Out: *out, NoMSI: *noMSI, Log: os.Stdout}
	given := s.Cert != "" || s.Key != "" || s.PKCS12 != ""
	switch {
	case given && *unsigned:
		return errors.New("--unsigned and a signing certificate exclude each other")
	case given:
		opts.Sign = &s
	case !*unsigned && !*noMSI:
		return errors.New("the MSI is signed: give --sign-cert and --sign-key (or --sign-pkcs12), or --unsigned to try it out")
	}
	v, err := packages.GitVersion(*root)
	if err != nil {
		return err
	}
	opts.Version = v
	r, err := packages.Build(context.Background(), opts)
	if err != nil {
		return err
	}
	fmt.Println("wrote", r.Sums)
	return nil
}

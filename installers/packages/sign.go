package packages

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

// Signer Authenticode-signs Windows files with osslsigncode. Give either
// Cert and Key (PEM files) or PKCS12 (a .pfx) with its password in
// PassFile; secrets never go on the command line.
type Signer struct {
	Cert, Key        string
	PKCS12, PassFile string
	// Timestamp is an RFC 3161 time-stamping URL; empty signs without a
	// time stamp (the signature then expires with the certificate).
	Timestamp string
}

func (s *Signer) check() error {
	switch {
	case s.PKCS12 != "" && (s.Cert != "" || s.Key != ""):
		return errors.New("packages: give a PKCS#12 file or a certificate and key, not both")
	case s.PKCS12 == "" && (s.Cert == "" || s.Key == ""):
		return errors.New("packages: signing needs a certificate and its key (PEM), or a PKCS#12 file")
	}
	return nil
}

// Sign writes a signed copy of in to out.
func (s *Signer) Sign(ctx context.Context, in, out string) error {
	if err := s.check(); err != nil {
		return err
	}
	args := []string{"sign", "-h", "sha256", "-n", "Piste agent", "-i", "https://example.invalid/piste"}
	if s.PKCS12 != "" {
		args = append(args, "-pkcs12", s.PKCS12)
		if s.PassFile != "" {
			args = append(args, "-readpass", s.PassFile)
		}
	} else {
		args = append(args, "-certs", s.Cert, "-key", s.Key)
	}
	if s.Timestamp != "" {
		args = append(args, "-ts", s.Timestamp)
	}
	args = append(args, "-in", in, "-out", out)
	if b, err := exec.CommandContext(ctx, "osslsigncode", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("packages: sign %s: %w\n%s", in, err, b)
	}
	return nil
}

package sip2

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// LoadCA reads the PEM certificates a library system's certificate must
// chain to.
func LoadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// LoadClientCert reads the certificate the fleet presents to the library
// system and its key, which must be readable by its owner only.
func LoadClientCert(certFile, keyFile string) (tls.Certificate, error) {
	if err := PrivateFile(keyFile); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(certFile, keyFile)
}

// ErrReadableByOthers means a file holding a secret can be read by its
// group or by others.
var ErrReadableByOthers = errors.New("can be read by other users")

// PrivateFile refuses a secret's file that its group or others can read.
func PrivateFile(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s %w (mode %04o); run: chmod 600 %s", path, ErrReadableByOthers, perm, path)
	}
	return nil
}

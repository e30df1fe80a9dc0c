package sip2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/sip2"
	"piste/testing/sip2server"
)

// testCA makes certificates for the test: a CA and leaves it signs.
type testCA struct {
	t    *testing.T
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{t: t, cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf signs a certificate for the loopback address, as a server or a client.
func (ca *testCA) leaf(name string, usage x509.ExtKeyUsage) (tls.Certificate, []byte, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(ca.t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(ca.t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(ca.t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(ca.t, err)
	return pair, certPEM, keyPEM
}

func writeTemp(t *testing.T, name string, data []byte, mode os.FileMode) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, mode))
	require.NoError(t, os.Chmod(path, mode))
	return path
}

// tlsLibrary serves the SIP2 test server over TLS and records the client
// certificates it is shown.
type tlsLibrary struct {
	addr string
	mu   sync.Mutex
	seen []string
}

func startTLSLibrary(t *testing.T, cert tls.Certificate, clientCAs *x509.CertPool) *tlsLibrary {
	srv, err := sip2server.New(sip2server.Config{Patrons: testPatrons()})
	require.NoError(t, err)
	lib := &tlsLibrary{}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCAs != nil {
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, clientCAs
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		lib.mu.Lock()
		defer lib.mu.Unlock()
		for _, c := range cs.PeerCertificates {
			lib.seen = append(lib.seen, c.Subject.CommonName)
		}
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	lib.addr = l.Addr().String()
	go srv.Serve(tls.NewListener(l, cfg))
	t.Cleanup(func() { l.Close(); srv.Close() })
	return lib
}

func (l *tlsLibrary) clientNames() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

func TestSIP2OverTLS(t *testing.T) {
	ca, other := newTestCA(t, "library CA"), newTestCA(t, "someone else's CA")
	serverCert, _, _ := ca.leaf("sip2.library.example", x509.ExtKeyUsageServerAuth)
	lib := startTLSLibrary(t, serverCert, nil)
	tests := []struct {
		name    string
		caPEM   []byte
		wantErr string
	}{
		{"right CA", ca.pem, ""},
		{"wrong CA", other.pem, "certificate is not trusted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roots, err := sip2.LoadCA(writeTemp(t, "ca.pem", tc.caPEM, 0o644))
			require.NoError(t, err)
			cfg := poolConfig(lib.addr)
			cfg.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
			p, err := newPool(t, cfg).Authenticate(context.Background(), "djfiander", "6789")
			if tc.wantErr != "" {
				assert.ErrorIs(t, err, sip2.ErrUnavailable)
				assert.ErrorContains(t, err, tc.wantErr)
				assert.ErrorContains(t, err, "SIP2 CA file")
				return
			}
			require.NoError(t, err)
			assert.True(t, p.Valid)
		})
	}

	t.Run("plain SIP2 to a TLS server fails", func(t *testing.T) {
		cfg := poolConfig(lib.addr)
		cfg.DialTimeout, cfg.RequestTimeout = 300*time.Millisecond, 300*time.Millisecond
		_, err := newPool(t, cfg).Authenticate(context.Background(), "djfiander", "6789")
		assert.ErrorIs(t, err, sip2.ErrUnavailable)
	})
}

func TestSIP2ClientCertificate(t *testing.T) {
	ca := newTestCA(t, "library CA")
	serverCert, _, _ := ca.leaf("sip2.library.example", x509.ExtKeyUsageServerAuth)
	clientCA := newTestCA(t, "fleet clients CA")
	_, certPEM, keyPEM := clientCA.leaf("piste-fleet", x509.ExtKeyUsageClientAuth)
	clientPool := x509.NewCertPool()
	clientPool.AddCert(clientCA.cert)
	lib := startTLSLibrary(t, serverCert, clientPool)
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)

	cfg := poolConfig(lib.addr)
	cfg.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	_, err := newPool(t, cfg).Authenticate(context.Background(), "djfiander", "6789")
	assert.ErrorIs(t, err, sip2.ErrUnavailable, "a library system that wants a client certificate refuses the fleet without one")

	certFile := writeTemp(t, "client.crt", certPEM, 0o644)
	_, err = sip2.LoadClientCert(certFile, writeTemp(t, "client.key", keyPEM, 0o644))
	assert.ErrorIs(t, err, sip2.ErrReadableByOthers)
	assert.ErrorContains(t, err, "chmod 600")

	pair, err := sip2.LoadClientCert(certFile, writeTemp(t, "client.key", keyPEM, 0o600))
	require.NoError(t, err)
	cfg.TLS = &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	p, err := newPool(t, cfg).Authenticate(context.Background(), "djfiander", "6789")
	require.NoError(t, err)
	assert.True(t, p.Valid)
	assert.Contains(t, lib.clientNames(), "piste-fleet", "the client certificate was presented")
}

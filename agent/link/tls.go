package link

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ParseFingerprint checks a pin of the form sha256:<64 hex digits>.
func ParseFingerprint(s string) (string, error) {
	hexPart, ok := strings.CutPrefix(strings.ToLower(s), "sha256:")
	b, err := hex.DecodeString(hexPart)
	if !ok || err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("fingerprint must be sha256: followed by 64 hex digits, got %q", s)
	}
	return "sha256:" + hexPart, nil
}

// TLSConfig returns the TLS settings for talking to the fleet. With a pin,
// the server's certificate must hash to it (a self-signed certificate is
// then fine); without one, the system's roots decide.
func TLSConfig(pin string) *tls.Config {
	if pin == "" {
		return &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pin check below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := "sha256:" + hex.EncodeToString(sum[:]); got != pin {
				return fmt.Errorf("server certificate %s does not match the pinned %s", got, pin)
			}
			return nil
		},
	}
}

// CheckServerURL refuses plain http except to this machine: a terminal
// token must never cross a network in clear.
func CheckServerURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want https://host:port", raw)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("server URL %q: plain http is allowed only to localhost; use https", raw)
	}
	return nil, fmt.Errorf("server URL %q: scheme must be https (or http to localhost)", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HTTPClient is an HTTP client with the fleet's TLS settings.
func HTTPClient(pin string) *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: TLSConfig(pin), Proxy: http.ProxyFromEnvironment},
	}
}

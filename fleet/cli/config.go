package cli

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"piste/fleet/retention"
	"piste/fleet/server"
	"piste/fleet/sip2"
)

// applyConfigFile sets, from a YAML file of "flag-name: value" lines, every
// serve flag not given on the command line: the command line wins.
func applyConfigFile(fs *flag.FlagSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var values map[string]yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&values); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("--config %s: not a YAML mapping of settings: %v", path, err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var known []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != "config" && f.Name != "v" {
			known = append(known, f.Name)
		}
	})
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n := values[k]
		if !slices.Contains(known, k) {
			return fmt.Errorf("--config %s: line %d: unknown key %q; known keys: %s", path, n.Line, k, strings.Join(known, ", "))
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("--config %s: line %d: %s must be a single value", path, n.Line, k)
		}
		if given[k] {
			continue
		}
		if err := fs.Set(k, n.Value); err != nil {
			return fmt.Errorf("--config %s: line %d: %s: %v", path, n.Line, k, err)
		}
	}
	return nil
}

// sip2Flags are the serve flags that reach the library system.
type sip2Flags struct {
	addr, loginFile, institution, location string
	timeout                                time.Duration
	connections                            int
	tls                                    bool
	caFile, clientCert, clientKey          string
	// stdin is where --sip2-login-file - reads the login.
	stdin io.Reader
}

// errLoginOnArgv is the answer to the removed --sip2-login USER:PASS.
var errLoginOnArgv = errors.New("the SIP2 password may not be given on the command line, where other users see it: " +
	"put USER:PASS in a file only you can read (chmod 600 FILE) and give --sip2-login-file FILE, or pipe it in with --sip2-login-file -")

// refuseLoginOnArgv refuses --sip2-login before the flag parser could
// repeat its value, the password, in an error message.
func refuseLoginOnArgv(args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "sip2-login" {
			return usageErr("--sip2-login: %v", errLoginOnArgv)
		}
	}
	return nil
}

func (f *sip2Flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "sip2", "", "library system's SIP2 server HOST:PORT (card logins are refused without it)")
	fs.Func("sip2-login", "removed: use --sip2-login-file", func(string) error { return errLoginOnArgv })
	fs.StringVar(&f.loginFile, "sip2-login-file", "", "file (mode 600) holding the SIP2 login USER:PASS on its first line; - reads it from stdin")
	fs.StringVar(&f.institution, "sip2-institution", "", "SIP2 institution id (AO)")
	fs.StringVar(&f.location, "sip2-location", "", "SIP2 location code (CP)")
	fs.IntVar(&f.connections, "sip2-connections", 16, "most connections to the library system at once")
	fs.DurationVar(&f.timeout, "sip2-timeout", 5*time.Second, "how long to wait for the library system per request")
	fs.BoolVar(&f.tls, "sip2-tls", false, "speak SIP2 over TLS, so PINs and the SIP2 password cross the network encrypted")
	fs.StringVar(&f.caFile, "sip2-ca-file", "", "PEM file of the CA that signed the library system's certificate (default: the system's CAs); needs --sip2-tls")
	fs.StringVar(&f.clientCert, "sip2-client-cert", "", "PEM certificate the fleet shows the library system; needs --sip2-tls and --sip2-client-key")
	fs.StringVar(&f.clientKey, "sip2-client-key", "", "PEM key of --sip2-client-cert (mode 600)")
}

// config builds the SIP2 configuration, or nil when --sip2 is not given.
func (f *sip2Flags) config() (*sip2.Config, error) {
	if f.addr == "" {
		if f.loginFile != "" || f.institution != "" || f.tls {
			return nil, usageErr("--sip2-login-file, --sip2-institution and --sip2-tls need --sip2 HOST:PORT")
		}
		return nil, nil
	}
	if f.loginFile == "" {
		return nil, usageErr("--sip2-login-file is required with --sip2: a file (mode 600) with USER:PASS on its first line, or - to read it from stdin")
	}
	login, err := f.readLogin()
	if err != nil {
		return nil, err
	}
	user, pass, ok := strings.Cut(login, ":")
	if !ok || user == "" {
		return nil, usageErr("the first line of --sip2-login-file must be USER:PASS")
	}
	if f.institution == "" {
		return nil, usageErr("--sip2-institution is required with --sip2")
	}
	if f.timeout < 100*time.Millisecond || f.timeout > time.Minute {
		return nil, usageErr("--sip2-timeout must be between 100ms and 1m, got %s", f.timeout)
	}
	if f.connections < 1 || f.connections > 256 {
		return nil, usageErr("--sip2-connections must be between 1 and 256, got %d", f.connections)
	}
	cfg := &sip2.Config{Addr: f.addr, User: user, Password: pass, Institution: f.institution,
		Location: f.location, Size: f.connections, DialTimeout: f.timeout, RequestTimeout: f.timeout}
	if cfg.TLS, err = f.tlsConfig(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageErr("%v", err)
	}
	return cfg, nil
}

// readLogin reads the first line of the login file, or of stdin for "-".
// A file others can read is refused: it holds the library system's password.
func (f *sip2Flags) readLogin() (string, error) {
	var r io.Reader = f.stdin
	if f.loginFile != "-" {
		if err := sip2.PrivateFile(f.loginFile); err != nil {
			return "", fmt.Errorf("--sip2-login-file: %w", err)
		}
		file, err := os.Open(f.loginFile)
		if err != nil {
			return "", fmt.Errorf("--sip2-login-file: %w", err)
		}
		defer file.Close()
		r = file
	}
	if r == nil {
		return "", usageErr("--sip2-login-file -: no stdin to read the login from")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("--sip2-login-file: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// tlsConfig builds the client TLS settings, nil without --sip2-tls.
func (f *sip2Flags) tlsConfig() (*tls.Config, error) {
	if !f.tls {
		if f.caFile != "" || f.clientCert != "" || f.clientKey != "" {
			return nil, usageErr("--sip2-ca-file, --sip2-client-cert and --sip2-client-key need --sip2-tls")
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.caFile != "" {
		roots, err := sip2.LoadCA(f.caFile)
		if err != nil {
			return nil, fmt.Errorf("--sip2-ca-file: %w", err)
		}
		cfg.RootCAs = roots
	}
	if (f.clientCert == "") != (f.clientKey == "") {
		return nil, usageErr("--sip2-client-cert and --sip2-client-key go together")
	}
	if f.clientCert != "" {
		pair, err := sip2.LoadClientCert(f.clientCert, f.clientKey)
		if err != nil {
			return nil, fmt.Errorf("--sip2-client-cert, --sip2-client-key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// privacyFlags are the serve flags for how personal data is kept.
type privacyFlags struct {
	cardKeyFile string
	retention   retention.Config
}

func (f *privacyFlags) register(fs *flag.FlagSet) {
	f.retention = retention.Defaults()
	fs.StringVar(&f.cardKeyFile, "card-key-file", "", "file holding the card-hash key, kept apart from --data (mode 600); default: card-hash.key in --data")
	r := &f.retention
	for _, d := range []struct {
		name, usage string
		v           *time.Duration
	}{
		{retention.KeyVisits, "how long visitor sessions (with card hashes), PIN failures and used guest passes are kept before they become anonymous daily counts", &r.Visits},
		{retention.KeyReservations, "how long a reservation (with card hash and last digits) is kept after its slot", &r.Reservations},
		{retention.KeyEvents, "how long terminals' events are kept", &r.Events},
		{retention.KeyWipeReceipts, "how long wipe receipts are kept", &r.WipeReceipts},
		{retention.KeyAudit, "how long the audit log is kept", &r.Audit},
		{retention.KeyInterval, "how often old data is pruned", &r.Interval},
	} {
		fs.Var((*daysValue)(d.v), d.name, d.usage+" (like 30d or 36h)")
	}
}

// apply checks the settings and puts them in the server configuration.
func (f *privacyFlags) apply(cfg *server.Config) error {
	if err := f.retention.Validate(); err != nil {
		return usageErr("%v", err)
	}
	cfg.Retention = f.retention
	cfg.CardKeyFile = f.cardKeyFile
	return nil
}

// daysValue is a duration flag that also takes whole days ("30d").
type daysValue time.Duration

func (d *daysValue) String() string { return retention.Format(time.Duration(*d)) }

func (d *daysValue) Set(s string) error {
	v, err := retention.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = daysValue(v)
	return nil
}

package cli

import (
	"bytes"
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
	addr, login, loginFile, institution, location string
	timeout                                       time.Duration
	connections                                   int
}

func (f *sip2Flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "sip2", "", "library system's SIP2 server HOST:PORT (card logins are refused without it)")
	fs.StringVar(&f.login, "sip2-login", "", "SIP2 login USER:PASS (prefer --sip2-login-file: argv is visible to other users)")
	fs.StringVar(&f.loginFile, "sip2-login-file", "", "file holding the SIP2 login USER:PASS on its first line")
	fs.StringVar(&f.institution, "sip2-institution", "", "SIP2 institution id (AO)")
	fs.StringVar(&f.location, "sip2-location", "", "SIP2 location code (CP)")
	fs.IntVar(&f.connections, "sip2-connections", 16, "most connections to the library system at once")
	fs.DurationVar(&f.timeout, "sip2-timeout", 5*time.Second, "how long to wait for the library system per request")
}

// config builds the SIP2 configuration, or nil when --sip2 is not given.
func (f *sip2Flags) config() (*sip2.Config, error) {
	if f.addr == "" {
		if f.login != "" || f.loginFile != "" || f.institution != "" {
			return nil, usageErr("--sip2-login and --sip2-institution need --sip2 HOST:PORT")
		}
		return nil, nil
	}
	login := f.login
	if f.loginFile != "" {
		if login != "" {
			return nil, usageErr("give --sip2-login or --sip2-login-file, not both")
		}
		data, err := os.ReadFile(f.loginFile)
		if err != nil {
			return nil, fmt.Errorf("--sip2-login-file: %w", err)
		}
		login, _, _ = strings.Cut(string(data), "\n")
		login = strings.TrimRight(login, "\r")
	}
	user, pass, ok := strings.Cut(login, ":")
	if !ok || user == "" {
		return nil, usageErr("--sip2-login (or the first line of --sip2-login-file) must be USER:PASS")
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
	if err := cfg.Validate(); err != nil {
		return nil, usageErr("%v", err)
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

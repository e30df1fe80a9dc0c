package packages

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
)

// buildDeb makes the .deb described by an nfpm config, with ${NAME}
// replaced from env (and nothing else of the environment), into dir.
func buildDeb(config string, env map[string]string, dir string) (string, error) {
	text, err := os.ReadFile(config)
	if err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	// nfpm expands variables in a few fields only; the paths need them too.
	var missing []string
	expanded := os.Expand(string(text), func(k string) string {
		v, ok := env[k]
		if !ok {
			missing = append(missing, k)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("packages: %s uses unknown variables %v", config, missing)
	}
	cfg, err := nfpm.ParseWithEnvMapping(strings.NewReader(expanded), func(k string) string { return "$" + k })
	if err != nil {
		return "", fmt.Errorf("packages: %s: %w", config, err)
	}
	info, err := cfg.Get("deb")
	if err != nil {
		return "", fmt.Errorf("packages: %s: %w", config, err)
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("packages: %s: %w", config, err)
	}
	pkg, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	target := filepath.Join(dir, pkg.ConventionalFileName(info))
	out, err := os.Create(target)
	if err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	info.Target = target
	if err := pkg.Package(info, out); err != nil {
		out.Close()
		os.Remove(target)
		return "", fmt.Errorf("packages: build %s: %w", target, err)
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("packages: %w", err)
	}
	return target, nil
}

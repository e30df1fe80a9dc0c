package packages

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Version is one build's version in the forms each package format takes.
type Version struct {
	Deb string // e.g. 1.2.0, 1.2.0+3.g1a2b3c4, 0.0.0+git57.g1a2b3c4
	MSI string // major.minor.build, numbers only: 1.2.0, 0.0.57
}

var tagVersion = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g([0-9a-f]+))?(-dirty)?$`)

// ParseDescribe turns `git describe --tags --always --dirty` and the
// commit count into package versions. A build from an untagged tree is
// 0.0.COUNT, so that later builds still sort higher.
func ParseDescribe(describe string, commits int) (Version, error) {
	describe = strings.TrimSpace(describe)
	if commits < 0 {
		return Version{}, fmt.Errorf("packages: commit count %d is negative", commits)
	}
	if m := tagVersion.FindStringSubmatch(describe); m != nil {
		base := m[1] + "." + m[2] + "." + m[3]
		v := Version{Deb: base, MSI: base}
		if m[4] != "" {
			v.Deb += "+" + m[4] + ".g" + m[5]
		}
		if m[6] != "" {
			v.Deb += "+dirty"
		}
		return v, checkMSI(v.MSI)
	}
	hash, dirty := strings.CutSuffix(describe, "-dirty")
	if !regexp.MustCompile(`^[0-9a-f]{4,40}$`).MatchString(hash) {
		return Version{}, fmt.Errorf("packages: cannot make a version of %q: tag releases vMAJOR.MINOR.PATCH", describe)
	}
	v := Version{Deb: fmt.Sprintf("0.0.0+git%d.g%s", commits, hash), MSI: fmt.Sprintf("0.0.%d", commits)}
	if dirty {
		v.Deb += ".dirty"
	}
	return v, checkMSI(v.MSI)
}

// checkMSI applies Windows Installer's limits: major and minor at most
// 255, build at most 65535.
func checkMSI(v string) error {
	parts := strings.Split(v, ".")
	limits := []int{255, 255, 65535}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n > limits[i] {
			return fmt.Errorf("packages: version %s does not fit an MSI (major.minor at most 255, build at most 65535)", v)
		}
	}
	return nil
}

// GitVersion reads the version of the tree at dir from git.
func GitVersion(dir string) (Version, error) {
	describe, err := git(dir, "describe", "--tags", "--always", "--dirty")
	if err != nil {
		return Version{}, err
	}
	count, err := git(dir, "rev-list", "--count", "HEAD")
	if err != nil {
		return Version{}, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil {
		return Version{}, fmt.Errorf("packages: git rev-list --count said %q", count)
	}
	return ParseDescribe(describe, n)
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("packages: git %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

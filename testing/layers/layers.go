// Package layers checks which packages of the module may import which: the
// architecture in docs and DESIGN.md, enforced by a test. The rules are
// declared in the package's test files; the checker lives here.
package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Rule forbids the packages matching From to import, directly or through
// other packages of the module, any package matching Forbid, except those
// matching one of Except. A pattern is an import path, or a path ending in
// "/..." for it and everything under it.
type Rule struct {
	From   string
	Forbid string
	Except []string
	Why    string
}

// Graph maps each package of the module to the packages it imports.
// Packages outside the module (the standard library, other modules) are
// leaves: their own imports are not followed.
type Graph map[string][]string

// Violation is one forbidden import, with the chain that leads to it.
type Violation struct {
	Rule  Rule
	Chain []string // From's package first, the forbidden package last
}

func (v Violation) String() string {
	return fmt.Sprintf("%s imports %s (%s): %s", v.Chain[0], v.Chain[len(v.Chain)-1],
		strings.Join(v.Chain, " → "), v.Rule.Why)
}

// Match reports whether the import path pkg matches pattern.
func Match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

func (r Rule) forbids(pkg string) bool {
	if !Match(r.Forbid, pkg) {
		return false
	}
	return !slices.ContainsFunc(r.Except, func(p string) bool { return Match(p, pkg) })
}

// Check returns every package that breaks a rule, each once per rule, with
// the shortest import chain to the forbidden package.
func Check(g Graph, rules []Rule) []Violation {
	var out []Violation
	froms := make([]string, 0, len(g))
	for pkg := range g {
		froms = append(froms, pkg)
	}
	slices.Sort(froms)
	for _, r := range rules {
		for _, from := range froms {
			if !Match(r.From, from) {
				continue
			}
			out = append(out, reach(g, r, from)...)
		}
	}
	return out
}

// reach walks from's imports breadth first and reports each forbidden
// package it meets, with the path that led there.
func reach(g Graph, r Rule, from string) []Violation {
	var out []Violation
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		imports := slices.Clone(g[pkg])
		slices.Sort(imports)
		for _, imp := range imports {
			if _, seen := prev[imp]; seen {
				continue
			}
			prev[imp] = pkg
			if r.forbids(imp) {
				out = append(out, Violation{Rule: r, Chain: chain(prev, imp)})
				continue
			}
			queue = append(queue, imp)
		}
	}
	return out
}

func chain(prev map[string]string, last string) []string {
	var c []string
	for p := last; p != ""; p = prev[p] {
		c = append(c, p)
	}
	slices.Reverse(c)
	return c
}

// Load lists the module's packages and their imports (not their tests')
// with `go list`, run in dir.
func Load(dir string, patterns ...string) (Graph, error) {
	args := append([]string{"list", "-e", "-json=ImportPath,Imports,Error"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("layers: go list: %w: %s", err, stderr.String())
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("layers: read go list output: %w", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("layers: package %s: %s", p.ImportPath, p.Error.Err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g, nil
}

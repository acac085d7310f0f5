package layers

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// rules names, for each package below web, what it must never depend on,
// directly or through another package. Imports run one way:
// cmd -> web -> library -> transfer -> {store, content}; store and
// content never import each other, and nothing below web speaks HTTP.
var rules = map[string][]string{
	"glossa/library":  {"net/http", "glossa/web", "glossa/cmd/glossa"},
	"glossa/transfer": {"net/http", "glossa/web", "glossa/cmd/glossa", "glossa/library"},
	"glossa/store":    {"net/http", "glossa/web", "glossa/cmd/glossa", "glossa/library", "glossa/transfer", "glossa/content"},
	"glossa/content":  {"net/http", "glossa/web", "glossa/cmd/glossa", "glossa/library", "glossa/transfer", "glossa/store"},
}

// TestImportRules fails when a package depends on what its rule forbids,
// naming the chain of imports that brings it in.
func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is not on PATH (go test puts its own there): the import rules cannot be checked")
	}
	pkgs := listPackages(t)
	for pkg, forbidden := range rules {
		p, ok := pkgs[pkg]
		if !ok {
			t.Errorf("%s: not found by go list", pkg)
			continue
		}
		for _, f := range forbidden {
			if slices.Contains(p.Deps, f) {
				t.Errorf("%s depends on %s, which it must not: %s", pkg, f, strings.Join(chain(pkgs, pkg, f), " -> "))
			}
		}
	}
}

type goPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// listPackages is go list -deps -json of every package of the module and
// what they depend on, by import path.
func listPackages(t *testing.T) map[string]goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps", "glossa/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]goPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// chain is a path of direct imports from pkg to dep.
func chain(pkgs map[string]goPackage, pkg, dep string) []string {
	if pkg == dep {
		return []string{dep}
	}
	for _, imp := range pkgs[pkg].Imports {
		if imp == dep || slices.Contains(pkgs[imp].Deps, dep) {
			return append([]string{pkg}, chain(pkgs, imp, dep)...)
		}
	}
	return []string{pkg, "…", dep}
}

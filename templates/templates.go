// Package templates holds glossa's HTML templates, embedded in the binary.
// web parses them once at start-up; -dev serves them from disk instead.
package templates

import "embed"

// FS holds every *.html template.
//
//go:embed *.html
var FS embed.FS

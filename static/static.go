// Package static holds glossa's CSS, JavaScript modules and images, embedded
// in the binary. There is no build step: what is here is what browsers get.
package static

import "embed"

// FS holds the static files, served under /static/.
//
//go:embed css js img
var FS embed.FS

// Package layers holds no code: its test checks the import rules
// between glossa's packages (README.md, "How it is built").
package layers

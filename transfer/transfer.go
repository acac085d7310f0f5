// Package transfer moves notes in and out of glossa: the W3C Web
// Annotation model (the JSON the API and exports write, and what they
// read), imports (W3C Web Annotation and Hypothesis files) and exports
// (Markdown, CSV, JSON-LD). It works on a store and a base URL, never on
// an HTTP request: the web package serves it, the command line calls it
// directly. Its errors are kinds (*Error) that the web package turns into
// statuses.
//
// It must not import net/http or glossa/web.
package transfer

import (
	"fmt"
	"glossa/content"
	"glossa/store"
	"time"
)

// The W3C Web Annotation vocabulary and media type.
const (
	AnnoContext = "http://www.w3.org/ns/anno.jsonld"
	AnnoType    = `application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"`
	RFC3236     = "http://tools.ietf.org/rfc/RFC3236"
)

// Document is a document as transfer needs it: its current revision,
// rendered, and the revisions before it.
type Document struct {
	ID      int64
	Slug    string
	Current *content.Document
	Rev     store.Revision   // the current revision, without source or blocks
	Revs    []store.Revision // the earlier ones
}

// Kind is what kind of problem an *Error is, which the web package maps
// to a status.
type Kind int

const (
	// Malformed: the file or the request cannot be read at all (400).
	Malformed Kind = iota + 1
	// TooLarge: the file is over MaxBytes (413).
	TooLarge
	// Unprocessable: the file is read but holds nothing to import, or
	// more than the allowance ever lets in at once (422).
	Unprocessable
	// OverAllowance: the import would pass the reader's allowance now;
	// RetryAt says when it fits (429).
	OverAllowance
	// Forbidden: the reader may not export what they asked for (403).
	Forbidden
)

// Error is a problem with a transfer as a whole, in a sentence for the
// person who asked; nothing was written.
type Error struct {
	Kind    Kind
	Msg     string
	RetryAt time.Time // OverAllowance: when the import fits
}

func (e *Error) Error() string { return e.Msg }

func errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

package store

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FieldErrors are validation errors keyed by form field or JSON property,
// each a sentence meant for the person who sent it. The web layer shows
// them next to their field (422), the command line prints them.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for _, k := range slices.Sorted(maps.Keys(fe)) {
		parts = append(parts, k+": "+fe[k])
	}
	return strings.Join(parts, "; ")
}

// The rules of a note's words and audience, shared by the note form, the
// API and imports.

// MaxBodyChars is the longest note body, in code points of Markdown.
const MaxBodyChars = 10000

// ValidateBody checks a note body: valid UTF-8 and at most MaxBodyChars.
// It returns the body with line endings made \n and trailing space
// trimmed; a problem goes in fe["body"].
func ValidateBody(body string, fe FieldErrors) string {
	if !utf8.ValidString(body) {
		fe["body"] = "The note is not valid UTF-8 text."
		return body
	}
	body = strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), " \t\n")
	if n := utf8.RuneCountInString(body); n > MaxBodyChars {
		fe["body"] = fmt.Sprintf("A note has at most %d characters; this one has %d.", MaxBodyChars, n)
	}
	return body
}

// ReplyBody checks a reply's body: like a note's, but never empty.
func ReplyBody(body string) (string, error) {
	fe := FieldErrors{}
	body = ValidateBody(body, fe)
	if strings.TrimSpace(body) == "" && fe["body"] == "" {
		fe["body"] = "A reply needs a body."
	}
	if len(fe) > 0 {
		return "", fe
	}
	return body, nil
}

// AudienceValue names an audience as forms and the API do: "private",
// "public", "teachers:ID", "group:ID".
func AudienceValue(a Audience, groupID int64) string {
	if groupID != 0 {
		return string(a) + ":" + strconv.FormatInt(groupID, 10)
	}
	return string(a)
}

// ParseAudience maps a form's or the API's audience to the store's; ""
// means private. A group audience needs the author to be in the group,
// one of roles (the store checks too; here the field gets the message,
// in fe["audience"]).
func ParseAudience(v string, roles map[int64]Role, fe FieldErrors) (Audience, int64) {
	kind, id, hasGroup := strings.Cut(strings.TrimSpace(v), ":")
	switch a := Audience(kind); {
	case !hasGroup && (a == "" || a == Private):
		return Private, 0
	case !hasGroup && a == Public:
		return Public, 0
	case hasGroup && (a == Teachers || a == Members):
		g, err := strconv.ParseInt(id, 10, 64)
		if err != nil || g <= 0 {
			break
		}
		if _, ok := roles[g]; !ok {
			fe["audience"] = fmt.Sprintf("You are not a member of group %d; choose another audience.", g)
			return Private, 0
		}
		return a, g
	}
	fe["audience"] = fmt.Sprintf("Audience %q is not one of: private, public, teachers:GROUP, group:GROUP.", v)
	return Private, 0
}

// FieldError is a value the store refuses: which field (a form field or
// JSON property; "" when the problem is the request as a whole) and what
// is wrong with it, in words for the person who sent it. It is ErrInvalid
// (errors.Is), and its Error is "invalid: field: problem".
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return ErrInvalid.Error() + ": " + e.Problem
	}
	return ErrInvalid.Error() + ": " + e.Field + ": " + e.Problem
}

func (e *FieldError) Unwrap() error { return ErrInvalid }

// Sentence is the problem as a sentence to show: "Name: a group needs a
// name."
func (e *FieldError) Sentence() string {
	if e.Field == "" {
		if e.Problem == "" {
			return "That request is not valid."
		}
		return e.Text()
	}
	return strings.ToUpper(e.Field[:1]) + e.Field[1:] + ": " + e.Problem + "."
}

// Text is the problem alone as a sentence, for a form that shows it
// next to its field: "A name has at most 32 characters."
func (e *FieldError) Text() string {
	if e.Problem == "" {
		return "That value is not valid."
	}
	return strings.ToUpper(e.Problem[:1]) + e.Problem[1:] + "."
}

// invalid is a *FieldError.
func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

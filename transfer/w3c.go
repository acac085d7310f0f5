package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"glossa/store"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// --- JSON shapes -----------------------------------------------------------

// Annotation is a W3C Web Annotation as glossa writes and reads it.
type Annotation struct {
	Context    any          `json:"@context,omitempty"`
	ID         string       `json:"id,omitempty"`
	Type       string       `json:"type"`
	Motivation string       `json:"motivation,omitempty"`
	Created    string       `json:"created,omitempty"`
	Modified   string       `json:"modified,omitempty"`
	Creator    *Agent       `json:"creator,omitempty"`
	Body       *TextualBody `json:"body,omitempty"`
	Target     *Target      `json:"target,omitempty"`
	// Audience is glossa's: who may see the annotation, "private" (only
	// its creator; the default), "teachers:ID" (its creator and the
	// teachers of group ID), "group:ID" (the members of group ID) or
	// "public" (everyone). A reply has its thread's.
	Audience string `json:"audience,omitempty"`
	// Status is glossa's: how the current target was found after the
	// document was revised ("exact", "mapped", "moved", "fuzzy" or "orphan").
	Status string `json:"status,omitempty"`
	// Score is glossa's: how sure that placement is, from 0 (orphan) to 1.
	Score *float64 `json:"score,omitempty"`

	// Conversation, glossa's terms (README, "Conversation").
	Question   bool         `json:"question,omitempty"`
	Resolved   bool         `json:"resolved,omitempty"`
	Accepted   string       `json:"accepted,omitempty"` // IRI of the accepted reply
	Guide      bool         `json:"guide,omitempty"`
	Hidden     *HiddenState `json:"hidden,omitempty"`
	SharedFrom string       `json:"sharedFrom,omitempty"` // IRI of the original guide note
	Reactions  *Reactions   `json:"reactions,omitempty"`
	// Imported is glossa's: the annotation came in from a file (an
	// import), so its created and modified are the file's claim, not
	// glossa's record.
	Imported *ImportedState `json:"imported,omitempty"`

	// Tags are written as extra bodies, TextualBody with the purpose
	// "tagging" (docs/anchoring.md, "Export shape"): "body" is then an array,
	// the comment first. See MarshalJSON.
	Tags []string `json:"-"`
}

// ImportedState says how an imported annotation came in: At, when
// (absent for imports from before glossa recorded it); QuoteByImporter,
// that the quote of its target (an orphan's TextQuoteSelector) is words
// the file gave, not found in the essay: the importer's, not the essay's.
type ImportedState struct {
	At              string `json:"at,omitempty"`
	QuoteByImporter bool   `json:"quoteByImporter,omitempty"`
}

// MarshalJSON writes an annotation; with tags, "body" is an array of the
// comment (if any) and one tagging body per tag, at the end of the object.
// Without tags it is the single TextualBody it always was.
func (a Annotation) MarshalJSON() ([]byte, error) {
	type plain Annotation
	if len(a.Tags) == 0 {
		return marshalJSON(plain(a))
	}
	bodies := make([]TextualBody, 0, len(a.Tags)+1)
	if a.Body != nil {
		bodies = append(bodies, *a.Body)
	}
	for _, t := range a.Tags {
		bodies = append(bodies, TextualBody{Type: "TextualBody", Value: t, Purpose: "tagging"})
	}
	p := plain(a)
	p.Body = nil
	// The outer "body" is shallower than plain's, so it is the one written.
	return marshalJSON(struct {
		plain
		Body []TextualBody `json:"body"`
	}{p, bodies})
}

// UnmarshalJSON reads what MarshalJSON writes: tagging bodies become Tags,
// the first other body the comment.
func (a *Annotation) UnmarshalJSON(b []byte) error {
	type plain Annotation
	var p struct {
		plain
		Body OneOrMany[TextualBody] `json:"body"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = Annotation(p.plain)
	for _, tb := range p.Body {
		switch {
		case tb.Purpose == "tagging":
			a.Tags = append(a.Tags, tb.Value)
		case a.Body == nil:
			a.Body = &tb
		}
	}
	return nil
}

// HiddenState is a note hidden by a teacher, as its author and the
// group's teachers see it (nobody else sees the note at all).
type HiddenState struct {
	Reason string `json:"reason"`
}

// Reactions counts an annotation's reactions and lists the caller's.
type Reactions struct {
	Helpful int      `json:"helpful"`
	Same    int      `json:"same"`
	Mine    []string `json:"mine"`
}

// Agent is an annotation's creator.
type Agent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// TextualBody is a body of text: the note (Markdown) or a tag.
type TextualBody struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Format  string `json:"format,omitempty"`
	Purpose string `json:"purpose,omitempty"`
}

// Target is what an annotation is on: a document with its selectors, or
// (a reply) the annotation it answers.
type Target struct {
	Source   string              `json:"source,omitempty"`
	Selector OneOrMany[Selector] `json:"selector,omitempty"`
	State    *TimeState          `json:"state,omitempty"`
	// IRI is a reply's target: the annotation it answers. It is written
	// as the IRI alone, a string; read from a string or {"id": IRI}.
	IRI string `json:"-"`
}

func (t Target) MarshalJSON() ([]byte, error) {
	if t.IRI != "" {
		return marshalJSON(t.IRI)
	}
	type plain Target
	return marshalJSON(plain(t))
}

func (t *Target) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, `"`) {
		*t = Target{}
		return json.Unmarshal(b, &t.IRI)
	}
	type plain Target
	var p struct {
		plain
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Target(p.plain)
	t.IRI = p.ID
	return nil
}

// AudienceField reads "audience" as a string ("group:7") or an object
// ({"group": 7}, {"teachers": 7}); it keeps the string form.
type AudienceField string

func (a *AudienceField) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); !strings.HasPrefix(s, "{") {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return errors.New(`audience is a string ("private", "public", "teachers:ID", "group:ID") or {"group": ID} or {"teachers": ID}`)
		}
		*a = AudienceField(v)
		return nil
	}
	var o map[string]int64
	if err := json.Unmarshal(b, &o); err != nil || len(o) != 1 {
		return errors.New(`an audience object has one property, "group" or "teachers", whose value is a group id`)
	}
	for k, v := range o {
		*a = AudienceField(k + ":" + strconv.FormatInt(v, 10))
	}
	return nil
}

// Selector is a FragmentSelector (the paragraph's anchor), a
// TextQuoteSelector or a TextPositionSelector.
type Selector struct {
	Type       string              `json:"type"`
	ConformsTo string              `json:"conformsTo,omitempty"`
	Value      string              `json:"value,omitempty"`
	RefinedBy  OneOrMany[Selector] `json:"refinedBy,omitempty"`
	Start      *int                `json:"start,omitempty"`
	End        *int                `json:"end,omitempty"`
	Exact      string              `json:"exact,omitempty"`
	Prefix     string              `json:"prefix,omitempty"`
	Suffix     string              `json:"suffix,omitempty"`
}

// TimeState names the revision a target's selectors hold on.
type TimeState struct {
	Type       string `json:"type"`
	SourceDate string `json:"sourceDate,omitempty"`
	Cached     string `json:"cached,omitempty"`
}

// OneOrMany reads a JSON-LD value that may be one object or an array of
// them; it writes one object when there is one.
type OneOrMany[T any] []T

func (o *OneOrMany[T]) UnmarshalJSON(b []byte) error {
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "[") {
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*o = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*o = OneOrMany[T]{one}
	return nil
}

func (o OneOrMany[T]) MarshalJSON() ([]byte, error) {
	if len(o) == 1 {
		return marshalJSON(o[0])
	}
	return marshalJSON([]T(o))
}

// marshalJSON is json.Marshal without escaping <, > and &: the custom
// marshalers use it so that whoever writes the whole value decides
// (writeJSON escapes them, as json.Marshal does; an export file, read by
// people, does not).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Incoming is an annotation as a client sends it: the body may be one
// TextualBody, several (the first without a purpose or with "commenting"
// is the note), or the bodyValue shorthand.
type Incoming struct {
	Motivation string                     `json:"motivation"`
	Body       OneOrMany[json.RawMessage] `json:"body"`
	BodyValue  *string                    `json:"bodyValue"`
	Target     *Target                    `json:"target"`
	Audience   AudienceField              `json:"audience"`
	Question   *bool                      `json:"question"`
}

// ReadBodies reads an incoming annotation's bodies into ni: the comment
// (the first TextualBody without a purpose or with "commenting" or
// "describing", or bodyValue) and the tags (TextualBody with the purpose
// "tagging", or without a purpose when the motivation is "tagging").
func ReadBodies(in Incoming, ni *NoteInput, fe store.FieldErrors) {
	if in.BodyValue != nil {
		ni.Body = *in.BodyValue
		return
	}
	if len(in.Body) == 0 {
		return
	}
	found := false
	for _, rb := range in.Body {
		var tb TextualBody
		err := json.Unmarshal(rb, &tb)
		text := err == nil && (tb.Type == "" || tb.Type == "TextualBody")
		if text && (tb.Purpose == "tagging" || in.Motivation == "tagging" && tb.Purpose == "") {
			ni.Tags = append(ni.Tags, tb.Value)
			continue
		}
		if found {
			continue
		}
		switch {
		case err != nil:
			fe["body"] = "A body must be a TextualBody object."
		case !text:
			fe["body"] = fmt.Sprintf("Body type %q is not supported; use TextualBody.", tb.Type)
		case tb.Purpose == "" || tb.Purpose == "commenting" || tb.Purpose == "describing":
			ni.Body, found = tb.Value, true
			continue
		default:
			continue // another purpose: not glossa's to keep
		}
		break
	}
	if !found && len(ni.Tags) == 0 && fe["body"] == "" {
		fe["body"] = "No TextualBody with the purpose commenting was found."
	}
}

// ReadSelectors reads a target's selectors into ni: the FragmentSelector
// names the block; TextPositionSelector and TextQuoteSelector refine it,
// whether nested in refinedBy or given beside it as alternatives. It
// returns the types it does not know.
func ReadSelectors(t *Target, ni *NoteInput, fe store.FieldErrors) (unknown []string) {
	var sels []Selector
	for _, sel := range t.Selector {
		sels = append(sels, sel)
		sels = append(sels, sel.RefinedBy...)
	}
	for _, sel := range sels {
		switch sel.Type {
		case "FragmentSelector":
			ni.Anchor = sel.Value
		case "TextPositionSelector":
			if sel.Start == nil || sel.End == nil {
				fe["target.selector"] = "A TextPositionSelector needs start and end."
			}
			ni.Start, ni.End = sel.Start, sel.End
		case "TextQuoteSelector":
			if sel.Exact == "" {
				fe["target.selector"] = "A TextQuoteSelector needs exact."
			}
			ni.Exact, ni.Prefix, ni.Suffix = sel.Exact, sel.Prefix, sel.Suffix
		default:
			unknown = append(unknown, sel.Type)
		}
	}
	return unknown
}

// --- conversions -----------------------------------------------------------

// AnnotationIRI is the IRI of note id under base.
func AnnotationIRI(base, id string) string {
	return base + "/api/annotations/" + id
}

// ToAnnotation renders note n of document d as a W3C annotation, its
// IRIs under base (http://host, no trailing slash). withContext: with
// its @context, as a document of its own.
func ToAnnotation(base string, n store.Note, d Document, withContext bool) Annotation {
	a := Annotation{
		ID: AnnotationIRI(base, n.ID), Type: "Annotation", Motivation: "commenting",
		Created: n.CreatedAt.UTC().Format(time.RFC3339), Modified: n.UpdatedAt.UTC().Format(time.RFC3339),
		Creator:  &Agent{ID: base + "/users/" + n.Author.Name, Type: "Person", Name: n.Author.Name},
		Audience: store.AudienceValue(n.Audience, n.GroupID), Status: string(n.Current.Status),
		Question: n.Question, Resolved: n.Resolved, Guide: n.Guide,
		Reactions: &Reactions{Helpful: n.Helpful, Same: n.Same, Mine: []string{}},
	}
	if n.AcceptedID != "" {
		a.Accepted = AnnotationIRI(base, n.AcceptedID)
	}
	if n.SharedFrom != "" {
		a.SharedFrom = AnnotationIRI(base, n.SharedFrom)
	}
	if n.Hidden {
		a.Hidden = &HiddenState{Reason: n.HiddenReason}
	}
	if n.Imported {
		a.Imported = &ImportedState{}
		if !n.ImportedAt.IsZero() {
			a.Imported.At = n.ImportedAt.UTC().Format(time.RFC3339)
		}
		a.Imported.QuoteByImporter = n.QuoteByImporter()
	}
	if n.MyHelpful {
		a.Reactions.Mine = append(a.Reactions.Mine, string(store.Helpful))
	}
	if n.MySame {
		a.Reactions.Mine = append(a.Reactions.Mine, string(store.SameQuestion))
	}
	if withContext {
		a.Context = AnnoContext
	}
	switch {
	case n.ParentID != "":
		a.Motivation = "replying"
	case n.Body == "":
		a.Motivation = "highlighting"
	case n.Question:
		a.Motivation = "questioning"
	}
	if n.Body != "" {
		a.Body = &TextualBody{Type: "TextualBody", Value: n.Body, Format: "text/markdown"}
	}
	if len(n.Tags) > 0 {
		a.Tags = n.Tags
	}
	if n.ParentID != "" {
		// W3C: a reply's target is the annotation it answers.
		a.Target = &Target{IRI: AnnotationIRI(base, n.ParentID)}
		return a
	}
	score := n.Current.Score
	a.Score = &score
	t := n.Current.Target
	frag := Selector{Type: "FragmentSelector", ConformsTo: RFC3236, Value: t.Anchor}
	if t.Exact != "" {
		start, end := t.Start, t.End
		frag.RefinedBy = OneOrMany[Selector]{
			{Type: "TextQuoteSelector", Exact: t.Exact, Prefix: t.Prefix, Suffix: t.Suffix},
			{Type: "TextPositionSelector", Start: &start, End: &end},
		}
	}
	a.Target = &Target{Source: base + "/read/" + d.Slug, Selector: OneOrMany[Selector]{frag}}
	// The state names the revision where the selectors hold: for an
	// orphan, the last one its words were found on (it keeps the target it
	// had there), not the current one, where they are not. An orphan
	// that never had a place has no such revision, and no state.
	for _, rev := range append(d.Revs, d.Rev) {
		if rev.ID == n.PlacedOn {
			a.Target.State = &TimeState{Type: "TimeState", SourceDate: rev.PublishedAt.UTC().Format(time.RFC3339),
				Cached: fmt.Sprintf("%s/read/%s/rev/%d", base, d.Slug, rev.Number)}
			break
		}
	}
	return a
}

// ParentID is the note id in a reply target's IRI: an annotation's
// (…/api/annotations/{id}) or a note page's (…/notes/{id}).
func ParentID(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	dir, id := path.Split(strings.TrimSuffix(u.Path, "/"))
	if (!strings.HasSuffix(dir, "/api/annotations/") && !strings.HasSuffix(dir, "/notes/")) || id == "" {
		return ""
	}
	return id
}

// NoteInput is a note as a form or the API sends it, before validation.
type NoteInput struct {
	Anchor   string
	Phrase   string // a form's phrase field: looked up leniently in the block
	Start    *int   // code points (TextPositionSelector, or the reader's JS)
	End      *int
	Exact    string // a TextQuoteSelector's quote, checked against the text
	Prefix   string
	Suffix   string
	Body     string
	Audience string
	Question bool
	Parent   string   // a reply's parent (the API's motivation "replying")
	Tags     []string // as sent, before validation (the API's tagging bodies)
}

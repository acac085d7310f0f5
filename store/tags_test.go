package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestValidateTag(t *testing.T) {
	for in, want := range map[string]string{
		"Alliances":           "alliances",
		"  hub   and spokes ": "hub and spokes",
		"Cafe\u0301":          "café",
		"asia-pacific_order":  "asia-pacific_order",
	} {
		if got, err := ValidateTag(in); err != nil || got != want {
			t.Errorf("ValidateTag(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "<script>", "a,b", "tab\tinside\x00", string(make([]byte, 41)), "\xff"} {
		if _, err := ValidateTag(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateTag(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
	long := "abcdefghijabcdefghijabcdefghijabcdefghijx" // 41
	if _, err := ValidateTag(long); !errors.Is(err, ErrInvalid) {
		t.Errorf("a 41-character tag was accepted")
	}
}

// Tags are stored normalised, replaced on edit, never put on replies, and
// offered per audience only from notes the viewer may see, with a group's
// suggested tags.
func TestNoteTags(t *testing.T) {
	ctx := context.Background()
	s := newSeminar(t)
	db := s.db
	rev := s.r1
	n, err := db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Members, GroupID: s.g.ID,
		Body: "x", Target: quote(rev, 0, 0, 0), Tags: []string{"Security Dilemma", "alliances", "security  dilemma"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alliances", "security dilemma"}; !reflect.DeepEqual(n.Tags, want) {
		t.Errorf("tags = %q, want %q", n.Tags, want)
	}
	if _, err := db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Private,
		Body: "x", Target: quote(rev, 0, 0, 0), Tags: []string{"ok", "<b>"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad tag: error %v, want ErrInvalid", err)
	}
	many := make([]string, MaxTagsPerNote+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	if _, err := db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Private,
		Body: "x", Target: quote(rev, 0, 0, 0), Tags: many}); !errors.Is(err, ErrInvalid) {
		t.Errorf("%d tags: error %v, want ErrInvalid", len(many), err)
	}
	reply, err := db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, ParentID: n.ID, Body: "r", Tags: []string{"x"}})
	if err != nil || len(reply.Tags) != 0 {
		t.Errorf("reply tags = %q, %v; want none", reply.Tags, err)
	}
	_, err = db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.author.ID, Audience: Private,
		Body: "x", Target: quote(rev, 0, 0, 0), Tags: []string{"secret plan"}})
	if err != nil {
		t.Fatal(err)
	}

	u, err := db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "y", Audience: Members, GroupID: s.g.ID, Tags: []string{"hegemony"}})
	if err != nil || !reflect.DeepEqual(u.Tags, []string{"hegemony"}) {
		t.Errorf("after edit: %q, %v", u.Tags, err)
	}
	u, err = db.UpdateNote(ctx, s.author.ID, n.ID, 0, NoteUpdate{Body: "z", Audience: Members, GroupID: s.g.ID})
	if err != nil || !reflect.DeepEqual(u.Tags, []string{"hegemony"}) {
		t.Errorf("an edit without tags changed them: %q, %v", u.Tags, err)
	}

	if _, err := db.SetGroupTags(ctx, s.member.ID, s.g.ID, []string{"x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member set the group's tags: %v", err)
	}
	got, err := db.SetGroupTags(ctx, s.teacher.ID, s.g.ID, []string{"Realism", "liberalism", "realism"})
	if err != nil || !reflect.DeepEqual(got, []string{"realism", "liberalism"}) {
		t.Errorf("SetGroupTags = %q, %v", got, err)
	}
	offered := func(v User, a Audience, g int64) []TagCount {
		t.Helper()
		tc, err := db.TagsFor(ctx, Viewer{v.ID}, a, g)
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
	// The teachers' suggestions first, in their order, even unused.
	want := []TagCount{{"realism", 0}, {"liberalism", 0}, {"hegemony", 1}}
	if got := offered(s.member, Members, s.g.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("group tags offered to a member = %v, want %v", got, want)
	}
	if got := offered(s.outsider, Members, s.g.ID); !reflect.DeepEqual(got, []TagCount{{"realism", 0}, {"liberalism", 0}}) {
		t.Errorf("an outsider is offered %v: tags of notes they may not see", got)
	}
	if got := offered(s.author, Private, 0); !reflect.DeepEqual(got, []TagCount{{"secret plan", 1}}) {
		t.Errorf("the author's private tags = %v", got)
	}
	if got := offered(s.member, Private, 0); len(got) != 0 {
		t.Errorf("another reader is offered the author's private tags: %v", got)
	}
}

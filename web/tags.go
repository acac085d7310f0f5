package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"glossa/store"
)

// parseTags reads a tags field as typed (comma-separated) into the tags
// the store will keep, or names the problem in fe["tags"].
func parseTags(field string, fe fieldErrors) []string {
	tags, err := store.NormalizeTags(store.SplitTags(field), store.MaxTagsPerNote)
	if err != nil {
		fe["tags"] = invalidMessage(err)
		return nil
	}
	return tags
}

// tagLink is where a tag leads: the reader's notebook, every note they
// can see with the tag.
func tagLink(tag string) string { return notebookFilters{All: true, Tags: []string{tag}}.url(0) }

// listID is the id of an audience's datalist of tags.
func (o audienceOption) ListID() string { return "tags-" + strings.ReplaceAll(o.Value, ":", "-") }

// withTagLists gives each audience on offer the tags to complete from:
// those on notes of that audience the reader may see, most used first,
// and for a group its teachers' suggestions.
func (s *Server) withTagLists(ctx context.Context, rc *readerCtx, opts []audienceOption) error {
	if rc.viewer.UserID == 0 {
		return nil
	}
	for i, o := range opts {
		a, g := parseAudience(o.Value, rc.roles, fieldErrors{})
		if audienceValue(a, g) != o.Value {
			continue // a group the reader has left: nothing to offer
		}
		tcs, err := s.db.TagsFor(ctx, rc.viewer, a, g)
		if err != nil {
			return err
		}
		for _, tc := range tcs {
			opts[i].Tags = append(opts[i].Tags, tc.Tag)
		}
	}
	return nil
}

// tagListFor is the datalist id of the selected audience.
func tagListFor(opts []audienceOption) string {
	for _, o := range opts {
		if o.Selected {
			return o.ListID()
		}
	}
	if len(opts) > 0 {
		return opts[0].ListID()
	}
	return ""
}

// handleGroupTags serves POST /groups/{id}/tags: a teacher sets the tags
// the group is offered first.
func (s *Server) handleGroupTags(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if u == nil {
		redirectToSignIn(w, r, strings.TrimSuffix(r.URL.Path, "/tags"))
		return nil
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	if _, err := s.db.SetGroupTags(r.Context(), u.ID, id, store.SplitTags(r.PostForm.Get("tags"))); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/groups/%d#tags", id), http.StatusSeeOther)
	return nil
}

// apiGroupTags serves PUT /api/groups/{id}/tags with {"tags": [...]}.
func (s *Server) apiGroupTags(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	var in struct {
		Tags *[]string `json:"tags"`
	}
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	// A body without "tags" (null, or another object) is a mistake, not a
	// request to clear them: that takes an explicit empty list.
	if in.Tags == nil {
		return fieldErrors{"tags": `Send {"tags": [...]}, a list of tags; an empty list clears them.`}
	}
	tags, err := s.db.SetGroupTags(r.Context(), u.ID, id, *in.Tags)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, struct {
		Tags []string `json:"tags"`
	}{tags})
}

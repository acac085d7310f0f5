package web

// The groups API: JSON mirrors of the group pages (groups.go), with the
// same authorization: outsiders get 404 for a group, members 403 for what
// is the teachers'. The teacher's view is api_insights.go. README.md,
// "Groups and teachers", documents every endpoint.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"glossa/store"
)

type apiGroup struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Role is the caller's: "teacher" or "member"; Owner says the caller
	// created the group (a teacher who is not the owner is a co-teacher).
	Role    store.Role `json:"role"`
	Owner   bool       `json:"owner"`
	URL     string     `json:"url"`
	Page    string     `json:"page"`
	Invite  *apiInvite `json:"invite,omitempty"` // teachers only
	Created string     `json:"created"`

	Members   []apiMember   `json:"members,omitempty"`
	Documents []apiGroupDoc `json:"documents,omitempty"`
	// Removed: the people a teacher removed, whom the invite link keeps
	// out. Teachers only, and for them always a list (maybe empty).
	Removed *[]apiRemoval `json:"removed,omitempty"`
}

type apiRemoval struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	RemovedAt string  `json:"removedAt"`
	RemovedBy apiUser `json:"removedBy"`
	// LetBackIn is the URL to DELETE to let them back in.
	LetBackIn string `json:"letBackIn"`
}

type apiUser struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiInvite struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

type apiMember struct {
	ID     int64      `json:"id"`
	Name   string     `json:"name"`
	Role   store.Role `json:"role"`
	Owner  bool       `json:"owner"`
	Joined string     `json:"joined"`
}

type apiGroupDoc struct {
	Slug      string `json:"slug"`
	Title     string `json:"title"`
	Notes     int    `json:"notes"` // the group's notes the caller may see
	PostFirst bool   `json:"postFirst"`
	Read      string `json:"read"`
	Insights  string `json:"insights,omitempty"` // teachers only
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// apiGroupOf renders a group as the caller sees it; full adds members and
// documents.
func (s *Server) apiGroupOf(r *http.Request, a groupAccess, full bool) (apiGroup, error) {
	base := s.baseURL(r)
	g := a.group
	out := apiGroup{
		ID: g.ID, Name: g.Name, Role: a.role, Owner: a.owner(), Created: rfc3339(g.CreatedAt),
		URL: base + "/api" + groupPath(g.ID), Page: base + groupPath(g.ID),
	}
	if a.teacher() {
		out.Invite = &apiInvite{Code: g.InviteCode, URL: base + "/join/" + g.InviteCode}
	}
	if !full {
		return out, nil
	}
	p, err := s.buildGroupPage(r, a, fieldErrors{})
	if err != nil {
		return out, err
	}
	out.Members, out.Documents = []apiMember{}, []apiGroupDoc{}
	for _, m := range p.Members {
		out.Members = append(out.Members, apiMember{ID: m.ID, Name: m.Name, Role: m.Role, Owner: m.ID == g.OwnerID, Joined: rfc3339(m.Joined)})
	}
	if a.teacher() {
		removed := []apiRemoval{}
		for _, rm := range p.Removed {
			removed = append(removed, apiRemoval{
				ID: rm.ID, Name: rm.Name, RemovedAt: rfc3339(rm.At),
				RemovedBy: apiUser{ID: rm.By.ID, Name: rm.By.Name},
				LetBackIn: base + "/api" + groupPath(g.ID) + "/removals/" + strconv.FormatInt(rm.ID, 10),
			})
		}
		out.Removed = &removed
	}
	for _, d := range p.Docs {
		ad := apiGroupDoc{Slug: d.Slug, Title: d.Title, Notes: d.Notes, PostFirst: d.PostFirst, Read: base + d.ReadURL}
		if d.InsightsURL != "" {
			ad.Insights = base + "/api" + d.InsightsURL + "/insights"
		}
		out.Documents = append(out.Documents, ad)
	}
	return out, nil
}

// apiGroups serves GET /api/groups: the caller's groups.
func (s *Server) apiGroups(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	ms, err := s.db.Memberships(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := struct {
		Groups []apiGroup `json:"groups"`
	}{Groups: []apiGroup{}}
	for _, m := range ms {
		g, err := s.apiGroupOf(r, groupAccess{user: u, group: m.Group, role: m.Role}, false)
		if err != nil {
			return err
		}
		out.Groups = append(out.Groups, g)
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiCreateGroup serves POST /api/groups {"name"}: 201 with the group,
// taught by the caller.
func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var in struct {
		Name *string `json:"name"`
	}
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	var name string
	if in.Name == nil {
		fe["name"] = "Give the group a name."
	} else {
		name = validateGroupName(*in.Name, fe)
	}
	if len(fe) > 0 {
		return fe
	}
	g, err := s.db.CreateGroup(r.Context(), u.ID, name)
	if err != nil {
		return err
	}
	out, err := s.apiGroupOf(r, groupAccess{user: u, group: g, role: store.RoleTeacher}, true)
	if err != nil {
		return err
	}
	w.Header().Set("Location", out.URL)
	return writeJSON(w, http.StatusCreated, jsonType, out)
}

// apiGetGroup serves GET /api/groups/{id}: the group with its members and
// documents, and the invite for teachers. Members only.
func (s *Server) apiGetGroup(w http.ResponseWriter, r *http.Request) error {
	a, err := s.groupOf(r)
	if err != nil {
		return err
	}
	out, err := s.apiGroupOf(r, a, true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiRegenerateInvite serves POST /api/groups/{id}/invite: a new invite
// code (the old one stops working). Teachers only.
func (s *Server) apiRegenerateInvite(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	g, err := s.db.RegenerateInvite(r.Context(), a.user.ID, a.group.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, apiInvite{Code: g.InviteCode, URL: s.baseURL(r) + "/join/" + g.InviteCode})
}

// apiJoin serves POST /api/join/{code}: join the group (nothing changes for
// a member) and return it. A stale code is 404; someone a teacher removed
// gets 403.
func (s *Server) apiJoin(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	g, err := s.db.Join(r.Context(), u.ID, chi.URLParam(r, "code"))
	if errors.Is(err, store.ErrNotFound) {
		return errStaleInvite
	}
	if errors.Is(err, store.ErrRemoved) {
		return errRemovedFromGroup
	}
	if err != nil {
		return err
	}
	role, err := s.db.RoleOf(r.Context(), u.ID, g.ID)
	if err != nil {
		return err
	}
	out, err := s.apiGroupOf(r, groupAccess{user: u, group: g, role: role}, true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiRemoveMember serves DELETE /api/groups/{id}/members/{userID}[?rotate=1]:
// leaving when it is the caller, removing someone otherwise (teachers
// remove members; only the owner removes a co-teacher); rotate=1 also
// makes a new invite link, in the same transaction (see removeMember). 204.
func (s *Server) apiRemoveMember(w http.ResponseWriter, r *http.Request) error {
	a, err := s.groupOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	if uid == a.user.ID {
		err = s.db.Leave(r.Context(), uid, a.group.ID)
	} else if !a.teacher() {
		err = errForbidden("Only the group's teachers can remove members.")
	} else {
		var newInvite bool
		switch v := r.URL.Query().Get("rotate"); v {
		case "", "0", "false":
		case "1", "true":
			newInvite = true
		default:
			return fieldErrors{"rotate": fmt.Sprintf("rotate=%q: say 1 (or true) to make a new invite link as well, 0 (or false) not to.", v)}
		}
		err = s.removeMember(r, a, uid, newInvite)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiLetBackIn serves DELETE /api/groups/{id}/removals/{userID}: the
// invite link lets a removed person in again (it does not make them a
// member). 204; 404 when they are not on the removed list. Teachers only.
func (s *Server) apiLetBackIn(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	if err := s.db.LetBackIn(r.Context(), a.user.ID, a.group.ID, uid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotRemoved
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiSetRole serves PUT /api/groups/{id}/members/{userID} {"role":
// "teacher"|"member"}: 200 with the member. Teachers only; only the owner
// makes a co-teacher a member again.
func (s *Server) apiSetRole(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	var in struct {
		Role *string `json:"role"`
	}
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	var role store.Role
	if in.Role == nil {
		fe["role"] = `Say the role: "teacher" or "member".`
	} else {
		role = parseRole(*in.Role, fe, "role")
	}
	if len(fe) > 0 {
		return fe
	}
	if err := s.db.SetRole(r.Context(), a.user.ID, a.group.ID, uid, role); err != nil {
		return err
	}
	members, err := s.db.Members(r.Context(), a.group.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.User.ID == uid {
			return writeJSON(w, http.StatusOK, jsonType, apiMember{ID: uid, Name: m.User.Name, Role: m.Role, Owner: m.Owner, Joined: rfc3339(m.JoinedAt)})
		}
	}
	return errNotFound
}

// apiSetPostFirst serves PUT /api/groups/{id}/documents/{slug}
// {"postFirst": bool}. Teachers only.
func (s *Server) apiSetPostFirst(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	var in struct {
		PostFirst *bool `json:"postFirst"`
	}
	if err := readJSON(w, r, &in, false); err != nil {
		return err
	}
	if in.PostFirst == nil {
		return fieldErrors{"postFirst": "Say whether post first is on: true or false."}
	}
	if err := s.db.SetPostFirst(r.Context(), a.user.ID, a.group.ID, e.ID, *in.PostFirst); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonType, struct {
		Slug      string `json:"slug"`
		PostFirst bool   `json:"postFirst"`
	}{e.Slug, *in.PostFirst})
}

type apiFlag struct {
	ID      int64       `json:"id"`
	Note    apiFlagNote `json:"note"`
	By      string      `json:"by"`
	Reason  string      `json:"reason"`
	Created string      `json:"created"`
	Resolve string      `json:"resolve"`
}

type apiFlagNote struct {
	ID           string `json:"id"`
	Annotation   string `json:"annotation"`
	Author       string `json:"author"`
	Body         string `json:"body"`
	Reply        bool   `json:"reply"`
	Hidden       bool   `json:"hidden"`
	HiddenReason string `json:"hiddenReason,omitempty"`
}

// apiFlags serves GET /api/groups/{id}/flags: the open flags on the
// group's notes, oldest first. Teachers only.
func (s *Server) apiFlags(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	flags, err := s.db.OpenFlags(r.Context(), a.user.ID, a.group.ID)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	out := struct {
		Flags []apiFlag `json:"flags"`
	}{Flags: []apiFlag{}}
	for _, f := range flags {
		n := f.Note
		out.Flags = append(out.Flags, apiFlag{
			ID: f.ID, By: f.By.Name, Reason: f.Reason, Created: rfc3339(f.CreatedAt),
			Resolve: base + "/api/flags/" + strconv.FormatInt(f.ID, 10) + "/resolve",
			Note: apiFlagNote{ID: n.ID, Annotation: s.annotationIRI(r, n.ID), Author: n.Author.Name, Body: n.Body,
				Reply: n.ParentID != "", Hidden: n.Hidden, HiddenReason: n.HiddenReason},
		})
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

// apiResolveFlag serves POST /api/flags/{id}/resolve: 204. Teachers of the
// flagged note's group only.
func (s *Server) apiResolveFlag(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := s.db.ResolveFlag(r.Context(), u.ID, id); err != nil {
		if errors.Is(err, store.ErrForbidden) {
			return errForbidden("Only the teachers of the note's group can resolve its flags.")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package web

// Groups: the pages where a reader makes a group and teaches it, hands out
// its invite link and manages its members, and where members see who reads
// with them and what. Routes are registered in routes.go; the JSON
// mirror is api_groups.go and the teacher's view insights.go.
//
// Authorization, the same on every page and in the API: a group exists
// only for its members. Anyone else, and any id that is not a group, gets
// the same 404, so a page never tells an outsider that a group exists.
// Members who try a teachers' action get 403.
//
// Someone a teacher removed stays out: the invite link answers them 403
// (and nothing more about the group) until a teacher lets them back in
// from the group page; then the link works for them again.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"glossa/store"
)

// maxGroupName matches the store's limit, so the form can say it first.
const maxGroupName = 100

// groupAccess is the group named in the URL and the signed-in reader's
// part in it.
type groupAccess struct {
	user  *store.User
	group store.Group
	role  store.Role
}

func (a groupAccess) teacher() bool { return a.role == store.RoleTeacher }
func (a groupAccess) owner() bool   { return a.group.OwnerID == a.user.ID }

// groupOf loads the group named by {id} for the signed-in reader: 401 when
// signed out, 404 for outsiders and for ids that are no group.
func (s *Server) groupOf(r *http.Request) (groupAccess, error) {
	u, err := requireUser(r)
	if err != nil {
		return groupAccess{}, err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return groupAccess{}, errNotFound
	}
	ctx := r.Context()
	role, err := s.db.RoleOf(ctx, u.ID, id)
	if errors.Is(err, store.ErrForbidden) {
		return groupAccess{}, errNotFound
	}
	if err != nil {
		return groupAccess{}, err
	}
	g, err := s.db.Group(ctx, id)
	if err != nil {
		return groupAccess{}, err
	}
	return groupAccess{user: u, group: g, role: role}, nil
}

// teacherOf is groupOf for the teachers' pages and actions: members get 403.
func (s *Server) teacherOf(r *http.Request) (groupAccess, error) {
	a, err := s.groupOf(r)
	if err != nil {
		return a, err
	}
	if !a.teacher() {
		return a, errForbidden("Only the group's teachers can see or do that.")
	}
	return a, nil
}

// pageGroup is groupOf (or teacherOf) for pages: a signed-out reader is
// sent to sign in and come back to next, and done is true.
func (s *Server) pageGroup(w http.ResponseWriter, r *http.Request, next string, teachers bool) (a groupAccess, done bool, err error) {
	if userFrom(r.Context()) == nil {
		redirectToSignIn(w, r, next)
		return a, true, nil
	}
	if teachers {
		a, err = s.teacherOf(r)
	} else {
		a, err = s.groupOf(r)
	}
	return a, false, err
}

// memberParam reads {userID}; a malformed one is 404.
func memberParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "userID"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func groupPath(id int64) string { return "/groups/" + strconv.FormatInt(id, 10) }

// The notice is a one-time message shown on the next page after a form
// post (Post/Redirect/Get loses everything else).
const groupNoticeKey = "group_notice"

func (s *Server) setNotice(r *http.Request, msg string) {
	s.sessions.Put(r.Context(), groupNoticeKey, msg)
}

func (s *Server) popNotice(r *http.Request) string {
	return s.sessions.PopString(r.Context(), groupNoticeKey)
}

// roleLabel names a member's part in a group for people.
func roleLabel(role store.Role, owner bool) string {
	switch {
	case owner:
		return "Teacher (owner)"
	case role == store.RoleTeacher:
		return "Co-teacher"
	}
	return "Member"
}

// validateGroupName checks the name field of the create form and the API.
func validateGroupName(name string, fe fieldErrors) string {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		fe["name"] = "The name is not valid UTF-8 text."
	case n == 0:
		fe["name"] = "Give the group a name, such as the course and the term."
	case n > maxGroupName:
		fe["name"] = fmt.Sprintf("A group name has at most %d characters; this one has %d.", maxGroupName, n)
	}
	return name
}

// --- my groups ---------------------------------------------------------------

type groupsPage struct {
	basePage
	Notice string
	Groups []groupItem
	Name   string // what was typed into the create form
	Errors fieldErrors
}

type groupItem struct {
	ID        int64
	Name      string
	RoleLabel string
}

func (s *Server) buildGroupsPage(r *http.Request, u *store.User) (groupsPage, error) {
	ms, err := s.db.Memberships(r.Context(), u.ID)
	if err != nil {
		return groupsPage{}, err
	}
	p := groupsPage{basePage: s.base(r, "Groups")}
	for _, m := range ms {
		p.Groups = append(p.Groups, groupItem{ID: m.Group.ID, Name: m.Group.Name, RoleLabel: roleLabel(m.Role, m.Group.OwnerID == u.ID)})
	}
	return p, nil
}

// handleGroups serves GET /groups: my groups and a form to create one.
func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if u == nil {
		redirectToSignIn(w, r, "/groups")
		return nil
	}
	p, err := s.buildGroupsPage(r, u)
	if err != nil {
		return err
	}
	p.Notice = s.popNotice(r)
	return s.pages.render(w, http.StatusOK, "groups.html", p)
}

// handleCreateGroup serves POST /groups: create a group taught by the
// reader, then show it.
func (s *Server) handleCreateGroup(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if u == nil {
		redirectToSignIn(w, r, "/groups")
		return nil
	}
	if err := parseForm(w, r, maxSmallFormBytes); err != nil {
		return err
	}
	fe := fieldErrors{}
	typed := r.PostForm.Get("name")
	name := validateGroupName(typed, fe)
	var g store.Group
	if len(fe) == 0 {
		var err error
		g, err = s.db.CreateGroup(r.Context(), u.ID, name)
		if errors.Is(err, store.ErrInvalid) {
			fe["name"] = invalidMessage(err)
		} else if err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		p, err := s.buildGroupsPage(r, u)
		if err != nil {
			return err
		}
		p.Name, p.Errors = typed, fe
		return s.pages.render(w, http.StatusUnprocessableEntity, "groups.html", p)
	}
	s.setNotice(r, "Group created. You teach it: send the invite link below to the people who will read with you.")
	http.Redirect(w, r, groupPath(g.ID), http.StatusSeeOther)
	return nil
}

// --- one group -----------------------------------------------------------------

type groupPage struct {
	basePage
	Notice    string
	Group     store.Group
	RoleLabel string
	Teacher   bool
	Owner     bool
	InviteURL string
	Members   []memberView
	// Removed lists, for teachers only, the people removed and not let
	// back in.
	Removed []removedView
	Docs    []groupDocView
	Flags   int
	Tags    []string // the tags the teachers suggest
	// Errors are keyed by the id of the form's section ("invite", "leave",
	// "member-<id>", "removed", "doc-<slug>"), so the summary links to the
	// form.
	Errors       fieldErrors
	LeaveError   string
	RemovedError string
}

// removedView is someone a teacher removed, as the teachers see them.
type removedView struct {
	ID   int64
	Name string
	By   store.User // the teacher who removed them
	At   time.Time
}

// When is the removal's time for people; ISO is for the datetime
// attribute.
func (v removedView) When() string { return v.At.UTC().Format("2 Jan 2006, 15:04 UTC") }
func (v removedView) ISO() string  { return v.At.UTC().Format(time.RFC3339) }

type memberView struct {
	ID        int64
	Name      string
	Role      store.Role
	RoleLabel string
	Me        bool
	Joined    time.Time
	// What the viewer may do to this member (the store's rules, so the page
	// offers no button that would only answer 403).
	CanRemove, CanPromote, CanDemote bool
	Error                            string
}

type groupDocView struct {
	Slug        string
	Title       string
	Notes       int
	PostFirst   bool
	ReadURL     string
	InsightsURL string
	Error       string
}

// JoinedDate is when the member joined, for people.
func (m memberView) JoinedDate() string { return m.Joined.Format("2 Jan 2006") }

func (s *Server) buildGroupPage(r *http.Request, a groupAccess, fe fieldErrors) (groupPage, error) {
	ctx := r.Context()
	g := a.group
	p := groupPage{
		basePage: s.base(r, g.Name), Group: g, RoleLabel: roleLabel(a.role, a.owner()),
		Teacher: a.teacher(), Owner: a.owner(), Errors: fe, LeaveError: fe["leave"], RemovedError: fe["removed"],
	}
	if a.teacher() {
		p.InviteURL = s.baseURL(r) + "/join/" + g.InviteCode
		flags, err := s.db.OpenFlags(ctx, a.user.ID, g.ID)
		if err != nil {
			return p, err
		}
		p.Flags = len(flags)
		removals, err := s.db.Removals(ctx, a.user.ID, g.ID)
		if err != nil {
			return p, err
		}
		for _, rm := range removals {
			p.Removed = append(p.Removed, removedView{ID: rm.User.ID, Name: rm.User.Name, By: rm.By, At: rm.RemovedAt})
		}
	}
	tags, err := s.db.GroupTags(ctx, g.ID)
	if err != nil {
		return p, err
	}
	p.Tags = tags
	members, err := s.db.Members(ctx, g.ID)
	if err != nil {
		return p, err
	}
	for _, m := range members {
		mv := memberView{
			ID: m.User.ID, Name: m.User.Name, Role: m.Role, RoleLabel: roleLabel(m.Role, m.Owner),
			Me: m.User.ID == a.user.ID, Joined: m.JoinedAt, Error: fe["member-"+strconv.FormatInt(m.User.ID, 10)],
		}
		if a.teacher() && !m.Owner && !mv.Me {
			mv.CanRemove = m.Role == store.RoleMember || a.owner()
			mv.CanPromote = m.Role == store.RoleMember
			mv.CanDemote = m.Role == store.RoleTeacher && a.owner()
		}
		p.Members = append(p.Members, mv)
	}
	counts, err := s.db.CountGroupNotes(ctx, viewerOf(ctx), g.ID)
	if err != nil {
		return p, err
	}
	for _, e := range s.docs.All() {
		on, err := s.db.PostFirst(ctx, g.ID, e.ID)
		if err != nil {
			return p, err
		}
		dv := groupDocView{
			Slug: e.Slug, Title: e.Current.Meta.Title, Notes: counts[e.ID], PostFirst: on,
			ReadURL: "/read/" + e.Slug + "?group=" + strconv.FormatInt(g.ID, 10), Error: fe["doc-"+e.Slug],
		}
		if a.teacher() {
			dv.InsightsURL = groupPath(g.ID) + "/documents/" + e.Slug
		}
		p.Docs = append(p.Docs, dv)
	}
	return p, nil
}

// handleGroup serves GET /groups/{id}: the group's page, for its members.
func (s *Server) handleGroup(w http.ResponseWriter, r *http.Request) error {
	a, done, err := s.pageGroup(w, r, r.URL.Path, false)
	if done || err != nil {
		return err
	}
	p, err := s.buildGroupPage(r, a, fieldErrors{})
	if err != nil {
		return err
	}
	p.Notice = s.popNotice(r)
	return s.pages.render(w, http.StatusOK, "group.html", p)
}

// groupFormError shows the group page again with a form's problem beside
// it (422), instead of an error page that loses the context.
func (s *Server) groupFormError(w http.ResponseWriter, r *http.Request, a groupAccess, key, msg string) error {
	return s.groupFormErrorStatus(w, r, a, http.StatusUnprocessableEntity, key, msg)
}

// groupFormErrorStatus is groupFormError with another 4xx status.
func (s *Server) groupFormErrorStatus(w http.ResponseWriter, r *http.Request, a groupAccess, status int, key, msg string) error {
	p, err := s.buildGroupPage(r, a, fieldErrors{key: msg})
	if err != nil {
		return err
	}
	return s.pages.render(w, status, "group.html", p)
}

// handleRegenerateInvite serves POST /groups/{id}/invite: a new invite
// code; the old link stops working. Teachers only.
func (s *Server) handleRegenerateInvite(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	if _, err := s.db.RegenerateInvite(r.Context(), a.user.ID, a.group.ID); err != nil {
		return err
	}
	s.setNotice(r, "A new invite link is ready. The old link no longer works; people who joined with it stay in the group.")
	http.Redirect(w, r, groupPath(a.group.ID)+"#invite", http.StatusSeeOther)
	return nil
}

// handleLeaveGroup serves POST /groups/{id}/leave. The owner cannot leave.
func (s *Server) handleLeaveGroup(w http.ResponseWriter, r *http.Request) error {
	a, err := s.groupOf(r)
	if err != nil {
		return err
	}
	if err := s.db.Leave(r.Context(), a.user.ID, a.group.ID); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return s.groupFormError(w, r, a, "leave", "You created this group, so you cannot leave it.")
		}
		return err
	}
	s.setNotice(r, fmt.Sprintf("You left %s. An invite link brings you back.", a.group.Name))
	http.Redirect(w, r, "/groups", http.StatusSeeOther)
	return nil
}

// handleRemoveMember serves POST /groups/{id}/members/{userID}/remove.
// Teachers remove members; only the owner removes a co-teacher. Removing
// yourself is leaving. rotate=1 (the form's box, ticked by default) also
// makes a new invite link.
func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) error {
	a, err := s.groupOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	if uid == a.user.ID {
		return s.handleLeaveGroup(w, r)
	}
	if !a.teacher() {
		return errForbidden("Only the group's teachers can remove members.")
	}
	who, err := s.memberName(r.Context(), a.group.ID, uid)
	if err != nil {
		return err
	}
	key := "member-" + strconv.FormatInt(uid, 10)
	if err := parseForm(w, r, maxFormBytes); err != nil {
		return err
	}
	newInvite := r.PostForm.Get("rotate") == "1"
	if err := s.removeMember(r, a, uid, newInvite); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return s.groupFormError(w, r, a, key, invalidMessage(err))
		}
		if errors.Is(err, store.ErrForbidden) {
			return errForbidden("Only the group's owner can remove a co-teacher.")
		}
		return err
	}
	if newInvite {
		s.setNotice(r, who+" is no longer in the group. The invite link is new: the old one no longer works, for "+who+" under any name or for anyone else, so send the new one below to whoever is still to join. To let "+who+" back in, use “Let back in” under Removed.")
		http.Redirect(w, r, groupPath(a.group.ID)+"#invite", http.StatusSeeOther)
		return nil
	}
	s.setNotice(r, who+" is no longer in the group, and the invite link will not let them back in. To undo that, use “Let back in” under Removed.")
	http.Redirect(w, r, groupPath(a.group.ID)+"#members", http.StatusSeeOther)
	return nil
}

// removeMember removes uid from a's group, and with newInvite gives the
// group a new invite code in the same transaction: the removal record
// keeps out the account, the new code keeps out the person, who could
// otherwise come back under another name with the link they had.
func (s *Server) removeMember(r *http.Request, a groupAccess, uid int64, newInvite bool) error {
	if newInvite {
		_, err := s.db.RemoveMemberNewInvite(r.Context(), a.user.ID, a.group.ID, uid)
		return err
	}
	return s.db.RemoveMember(r.Context(), a.user.ID, a.group.ID, uid)
}

// errNotRemoved answers letting back in someone who is not on the removed
// list (never removed, or let back in already, perhaps by another teacher).
var errNotRemoved = &httpError{status: http.StatusNotFound,
	msg: "That person is not on this group's removed list: another teacher may have let them back in already."}

// handleLetBackIn serves POST /groups/{id}/removals/{userID}/let-back-in:
// the invite link lets a removed person in again. It does not make them a
// member; they join with the link. Any teacher may let anyone back in.
func (s *Server) handleLetBackIn(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	removals, err := s.db.Removals(ctx, a.user.ID, a.group.ID)
	if err != nil {
		return err
	}
	who := ""
	for _, rm := range removals {
		if rm.User.ID == uid {
			who = rm.User.Name
		}
	}
	if who != "" {
		err = s.db.LetBackIn(ctx, a.user.ID, a.group.ID, uid)
	}
	if who == "" || errors.Is(err, store.ErrNotFound) {
		return s.groupFormErrorStatus(w, r, a, http.StatusNotFound, "removed", errNotRemoved.msg)
	}
	if err != nil {
		return err
	}
	s.setNotice(r, who+" may join again with the invite link. They are not back in the group until they use it.")
	http.Redirect(w, r, groupPath(a.group.ID)+"#removed", http.StatusSeeOther)
	return nil
}

// memberName returns the name of a member of the group, or 404.
func (s *Server) memberName(ctx context.Context, groupID, userID int64) (string, error) {
	members, err := s.db.Members(ctx, groupID)
	if err != nil {
		return "", err
	}
	for _, m := range members {
		if m.User.ID == userID {
			return m.User.Name, nil
		}
	}
	return "", &httpError{status: http.StatusNotFound, msg: "That person is not a member of this group."}
}

// parseRole reads a role field: "teacher" (co-teacher) or "member".
func parseRole(v string, fe fieldErrors, key string) store.Role {
	switch store.Role(v) {
	case store.RoleTeacher, store.RoleMember:
		return store.Role(v)
	}
	fe[key] = fmt.Sprintf("Role %q is not one of: teacher, member.", v)
	return ""
}

// handleSetRole serves POST /groups/{id}/members/{userID}/role with role
// = teacher (any teacher makes a member a co-teacher) or member (only the
// owner makes a co-teacher a member again).
func (s *Server) handleSetRole(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	uid, err := memberParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxSmallFormBytes); err != nil {
		return err
	}
	who, err := s.memberName(r.Context(), a.group.ID, uid)
	if err != nil {
		return err
	}
	key := "member-" + strconv.FormatInt(uid, 10)
	fe := fieldErrors{}
	role := parseRole(r.PostForm.Get("role"), fe, key)
	if len(fe) > 0 {
		return s.groupFormError(w, r, a, key, fe[key])
	}
	if err := s.db.SetRole(r.Context(), a.user.ID, a.group.ID, uid, role); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return s.groupFormError(w, r, a, key, invalidMessage(err))
		}
		if errors.Is(err, store.ErrForbidden) {
			return errForbidden("Only the group's owner can make a co-teacher a member again.")
		}
		return err
	}
	if role == store.RoleTeacher {
		s.setNotice(r, who+" is now a co-teacher: they see the teachers' notes, the open flags and the teacher's view.")
	} else {
		s.setNotice(r, who+" is now a member.")
	}
	http.Redirect(w, r, groupPath(a.group.ID)+"#members", http.StatusSeeOther)
	return nil
}

// handleSetPostFirst serves POST /groups/{id}/documents/{slug}/post-first
// with on=1 or on=0. Teachers only.
func (s *Server) handleSetPostFirst(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	e, err := s.docs.Doc(chi.URLParam(r, "slug"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxSmallFormBytes); err != nil {
		return err
	}
	var on bool
	switch r.PostForm.Get("on") {
	case "1":
		on = true
	case "0":
	default:
		return s.groupFormError(w, r, a, "doc-"+e.Slug, "Choose whether post first is on (1) or off (0).")
	}
	if err := s.db.SetPostFirst(r.Context(), a.user.ID, a.group.ID, e.ID, on); err != nil {
		return err
	}
	if on {
		s.setNotice(r, "Post first is on for “"+e.Current.Meta.Title+"”: members see each other's notes there once they have written one. Guide notes stay visible.")
	} else {
		s.setNotice(r, "Post first is off for “"+e.Current.Meta.Title+"”: members see each other's notes there at once.")
	}
	http.Redirect(w, r, groupPath(a.group.ID)+"#doc-"+e.Slug, http.StatusSeeOther)
	return nil
}

// errStaleInvite answers an invite code that is not (or no longer) a
// group's.
var errStaleInvite = &httpError{status: http.StatusNotFound,
	msg: "This invite link is no longer valid. The group's teacher may have made a new one: ask them for the current link."}

// errRemovedFromGroup answers the invite link of a group a teacher removed
// the reader from. It says that and nothing else: not even the group's
// name.
var errRemovedFromGroup = &httpError{status: http.StatusForbidden, title: "You were removed from this group",
	msg: "A teacher removed you from this group, so its invite link no longer lets you in. If you think you should be back, ask one of its teachers."}

// joinPage is the invite link's page: the group, and a button to join it.
type joinPage struct {
	basePage
	Group   store.Group
	Teacher string // the group's owner, who made it
	Action  string
}

// handleJoin serves GET /join/{code}: the invite link. Signed in, it shows
// the group the link is for and a form that joins it (POST, the same
// path); signed out, it sends the reader to sign in (or sign up) and come
// back here. A member is sent to the group's page. A stale code gets a 404
// that says so; someone a teacher removed gets a 403 that says so.
//
// The GET joins nothing. A link is followed from an email or a chat, but
// just as well from another site, or from a note here, and SameSite=Lax
// sends the session cookie on any such top-level navigation: joining on
// GET would let any page put its visitors in a group of its choosing.
// Joining is the form's POST, which CrossOriginProtection keeps to this
// site, and which names the group on its button.
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) error {
	code := chi.URLParam(r, "code")
	u := userFrom(r.Context())
	if u == nil {
		redirectToSignIn(w, r, "/join/"+code)
		return nil
	}
	ctx := r.Context()
	g, err := s.db.Invitation(ctx, u.ID, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errStaleInvite
	case errors.Is(err, store.ErrRemoved):
		return errRemovedFromGroup
	case err != nil:
		return err
	}
	if _, err := s.db.RoleOf(ctx, u.ID, g.ID); err == nil {
		s.setNotice(r, "You are already in "+g.Name+".")
		http.Redirect(w, r, groupPath(g.ID), http.StatusSeeOther)
		return nil
	}
	owner, err := s.db.User(ctx, g.OwnerID)
	if err != nil {
		return err
	}
	p := joinPage{basePage: s.base(r, "Join "+g.Name), Group: g, Teacher: owner.Name, Action: "/join/" + code}
	return s.pages.render(w, http.StatusOK, "join.html", p)
}

// handleJoinPost serves POST /join/{code}: the invite page's form. It
// joins the group and shows it; signed out, it sends the reader to sign
// in and back to the invite page.
func (s *Server) handleJoinPost(w http.ResponseWriter, r *http.Request) error {
	code := chi.URLParam(r, "code")
	u := userFrom(r.Context())
	if u == nil {
		redirectToSignIn(w, r, "/join/"+code)
		return nil
	}
	ctx := r.Context()
	if g, err := s.db.GroupByInvite(ctx, code); err == nil {
		if _, err := s.db.RoleOf(ctx, u.ID, g.ID); err == nil {
			s.setNotice(r, "You are already in "+g.Name+".")
			http.Redirect(w, r, groupPath(g.ID), http.StatusSeeOther)
			return nil
		}
	}
	g, err := s.db.Join(ctx, u.ID, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errStaleInvite
	case errors.Is(err, store.ErrRemoved):
		return errRemovedFromGroup
	case err != nil:
		return err
	}
	s.setNotice(r, "Welcome to "+g.Name+". Open a document below to read it with the group.")
	http.Redirect(w, r, groupPath(g.ID), http.StatusSeeOther)
	return nil
}

// --- open flags ----------------------------------------------------------------

type flagsPage struct {
	basePage
	Notice string
	Group  store.Group
	Flags  []flagView
	More   int // open flags not shown: the page holds what one page may (bounds.go)
}

type flagView struct {
	ID           int64
	NoteID       string
	Author       string
	Body         template.HTML
	Exact        string
	Reply        bool
	Hidden       bool
	HiddenReason string
	ReadURL      string
	By           string
	Reason       string
	At           time.Time
}

// When is the flag's time for people; ISO is for the datetime attribute.
func (f flagView) When() string { return f.At.UTC().Format("2 Jan 2006, 15:04 UTC") }
func (f flagView) ISO() string  { return f.At.UTC().Format(time.RFC3339) }

// handleFlags serves GET /groups/{id}/flags: the open flags on the group's
// notes, with a button to resolve each. Teachers only.
func (s *Server) handleFlags(w http.ResponseWriter, r *http.Request) error {
	a, done, err := s.pageGroup(w, r, r.URL.Path, true)
	if done || err != nil {
		return err
	}
	flags, err := s.db.OpenFlags(r.Context(), a.user.ID, a.group.ID)
	if err != nil {
		return err
	}
	p := flagsPage{basePage: s.base(r, "Open flags · "+a.group.Name), Notice: s.popNotice(r), Group: a.group}
	room := pageNoteBytes
	for i, f := range flags {
		n := f.Note
		body := s.bodies.render(n.Body)
		if room -= len(body) + len(n.Current.Exact) + len(f.Reason); i == listThreads*5 || (i > 0 && room < 0) {
			p.More = len(flags) - i
			break
		}
		p.Flags = append(p.Flags, flagView{
			ID: f.ID, NoteID: n.ID, Author: n.Author.Name, Body: body, Exact: n.Current.Exact,
			Reply: n.ParentID != "", Hidden: n.Hidden, HiddenReason: n.HiddenReason,
			ReadURL: "/read/" + n.DocumentSlug + "?group=" + strconv.FormatInt(a.group.ID, 10) + "#" + n.Current.Anchor,
			By:      f.By.Name, Reason: f.Reason, At: f.CreatedAt,
		})
	}
	return s.pages.render(w, http.StatusOK, "flags.html", p)
}

// handleResolveFlag serves POST /groups/{id}/flags/{flagID}/resolve.
// Teachers only; the flag must be an open flag of this group.
func (s *Server) handleResolveFlag(w http.ResponseWriter, r *http.Request) error {
	a, err := s.teacherOf(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(chi.URLParam(r, "flagID"), 10, 64)
	if err != nil {
		return errNotFound
	}
	flags, err := s.db.OpenFlags(r.Context(), a.user.ID, a.group.ID)
	if err != nil {
		return err
	}
	found := false
	for _, f := range flags {
		found = found || f.ID == fid
	}
	if !found {
		return &httpError{status: http.StatusNotFound, msg: "That flag is not open in this group: it may have been resolved already."}
	}
	if err := s.db.ResolveFlag(r.Context(), a.user.ID, fid); err != nil {
		return err
	}
	s.setNotice(r, "Flag resolved. The note stays as it is; hide it from its own page if it should not be seen.")
	http.Redirect(w, r, groupPath(a.group.ID)+"/flags", http.StatusSeeOther)
	return nil
}

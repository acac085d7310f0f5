package web

// The teacher's view as JSON (the page is insights.go), with the groups
// API's authorization (api_groups.go). Routes: routes.go.

import "net/http"

type apiHeat struct {
	Anchor    string `json:"anchor"`
	Block     string `json:"block"`
	Notes     int    `json:"notes"`
	Questions int    `json:"questions"`
	Same      int    `json:"sameQuestion"`
	URL       string `json:"url"`
}

type apiParticipation struct {
	Member       apiMember `json:"member"`
	Notes        int       `json:"notes"`
	Replies      int       `json:"replies"`
	Words        int       `json:"words"`
	LastActivity string    `json:"lastActivity,omitempty"`
}

// apiInsights serves GET /api/groups/{id}/documents/{slug}/insights: the
// teacher's view as JSON. Teachers only.
func (s *Server) apiInsights(w http.ResponseWriter, r *http.Request) error {
	a, e, _, err := s.insightsFor(w, r, false)
	if err != nil {
		return err
	}
	in, err := s.loadInsights(r, a, e)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	out := struct {
		Group         int64              `json:"group"`
		Document      string             `json:"document"`
		Heat          []apiHeat          `json:"heat"`
		Participation []apiParticipation `json:"participation"`
	}{Group: a.group.ID, Document: e.Slug, Heat: []apiHeat{}, Participation: []apiParticipation{}}
	for _, h := range in.Rows {
		out.Heat = append(out.Heat, apiHeat{Anchor: h.Anchor, Block: h.Label, Notes: h.Notes, Questions: h.Questions, Same: h.Same, URL: base + h.URL})
	}
	for _, m := range in.Members {
		out.Participation = append(out.Participation, apiParticipation{
			Member: apiMember{ID: m.ID, Name: m.Name, Role: m.Role, Owner: m.Owner, Joined: rfc3339(m.Joined)},
			Notes:  m.Notes, Replies: m.Replies, Words: m.Words, LastActivity: m.LastISO(),
		})
	}
	return writeJSON(w, http.StatusOK, jsonType, out)
}

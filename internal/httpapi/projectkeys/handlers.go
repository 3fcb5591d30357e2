package projectkeys

import (
	"net/http"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

const maxGraceMinutes = 10080

func badRequest(msg string) error { return keyhouse.Errorf(keyhouse.EMALFORMED, "%s", msg) }

func projectID(r *http.Request, required bool) (string, error) {
	id, err := httpapi.QueryString(r, "project_id", 64)
	if err != nil {
		return "", err
	}
	if id == "" && required {
		return "", badRequest("project_id is required.")
	}
	return id, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	pid, err := projectID(r, true)
	if err != nil {
		return err
	}
	limit, err := httpapi.QueryInt(r, "limit", 50, 1, 100)
	if err != nil {
		return err
	}
	offset, err := httpapi.QueryInt(r, "offset", 0, 0, 1_000_000_000)
	if err != nil {
		return err
	}
	list, _, err := s.keys.List(r.Context(), keyhouse.KeyFilter{ProjectID: pid, NotRevoked: true, Page: keyhouse.Page{Limit: limit, Offset: offset}})
	if err != nil {
		return err
	}
	now := s.keys.Now()
	out := make([]apiKey, 0, len(list))
	for _, k := range list {
		out = append(out, newAPIKey(k, now))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.ProjectID == "":
		return badRequest("project_id is required.")
	case req.Name == "":
		return keyhouse.Invalid("Validation failed.", keyhouse.FieldError{Field: "name", Code: "required", Message: "is required"})
	case len(req.Scopes) == 0:
		return badRequest("scopes must not be empty.")
	case req.ExpiresInDays < 0 || req.ExpiresInDays > 36500:
		return keyhouse.Invalid("Validation failed.", keyhouse.FieldError{Field: "expires_in_days", Code: "out_of_range", Message: "must be from 1 to 36500"})
	}
	if req.OrgID != "" {
		if p := keyhouse.PrincipalFromContext(r.Context()); p != nil && p.OrgID != req.OrgID {
			return keyhouse.Errorf(keyhouse.EFORBIDDEN, "org_id does not match the caller's organization.")
		}
	}
	p := keys.CreateParams{ProjectID: req.ProjectID, EnvironmentID: req.EnvironmentID, Name: req.Name, Scopes: req.Scopes,
		RotationIntervalDays: req.RotationIntervalDays, RotationWebhookURL: req.RotationWebhookURL}
	if req.ExpiresInDays > 0 {
		t := s.keys.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour)
		p.ExpiresAt = &t
	}
	c, err := s.keys.Create(r.Context(), p)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, createResponse{apiKey: newAPIKey(c.Key, s.keys.Now()), Key: c.RawKey,
		RotationWebhookSecret: c.WebhookSecret})
}

// keyInProject checks an optional ?project_id= against the key's project:
// a key of another project is not found.
func (s *Server) keyInProject(r *http.Request) (string, error) {
	id := r.PathValue("keyID")
	pid, err := projectID(r, false)
	if err != nil {
		return "", err
	}
	k, err := s.keys.Get(r.Context(), id)
	if err != nil {
		return "", err
	}
	if pid != "" && k.ProjectID != pid {
		return "", keyhouse.Errorf(keyhouse.ENOTFOUND, "Key not found.")
	}
	return id, nil
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyInProject(r)
	if err != nil {
		return err
	}
	if _, err := s.keys.Revoke(r.Context(), id, "revoked via API"); err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, statusResponse{Status: "revoked"})
}

func (s *Server) rotate(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyInProject(r)
	if err != nil {
		return err
	}
	var req rotateRequest
	if err := httpapi.DecodeWith(w, r, &req, httpapi.DecodeOptions{AllowEmpty: true}); err != nil {
		return err
	}
	if req.GracePeriodMinutes > maxGraceMinutes {
		return badRequest("grace_period_minutes must be at most 10080.")
	}
	mins := req.GracePeriodMinutes
	if mins <= 0 {
		mins = 60
	}
	old, err := s.keys.Get(r.Context(), id)
	if err != nil {
		return err
	}
	g := time.Duration(mins) * time.Minute
	rot, err := s.keys.Rotate(r.Context(), id, keys.RotateParams{Grace: &g, NewName: old.Name + " (rotated)"})
	if err != nil {
		return err
	}
	n := rot.New
	return httpapi.JSON(w, http.StatusCreated, rotateResponse{OldKeyID: rot.Old.ID, NewKeyID: n.ID, ProjectID: n.ProjectID, Name: n.Name,
		Key: rot.RawKey, KeyPrefix: n.KeyPrefix, Scopes: scopesOf(n), ExpiresAt: httpapi.TimePtr(n.ExpiresAt), CreatedAt: httpapi.Time(n.CreatedAt),
		GraceExpiresAt: httpapi.Time(*rot.Old.GraceExpiresAt)})
}

func (s *Server) expiringSoon(w http.ResponseWriter, r *http.Request) error {
	pid, err := projectID(r, true)
	if err != nil {
		return err
	}
	days, err := httpapi.QueryInt(r, "within_days", 30, 1, 365)
	if err != nil {
		return err
	}
	list, err := s.keys.ExpiringSoon(r.Context(), pid, days)
	if err != nil {
		return err
	}
	now := s.keys.Now()
	out := make([]expiringKey, 0, len(list))
	for _, k := range list {
		e := expiringKey{ID: k.ID, Name: k.Name, KeyPrefix: k.KeyPrefix, ExpiresAt: httpapi.TimePtr(k.ExpiresAt), CreatedAt: httpapi.Time(k.CreatedAt), NoExpiry: k.ExpiresAt == nil}
		if k.ExpiresAt != nil {
			e.DaysLeft = int(k.ExpiresAt.Sub(now).Hours() / 24)
		}
		out = append(out, e)
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpapi.QueryInt(r, "limit", 50, 1, 100)
	if err != nil {
		return err
	}
	offset, err := httpapi.QueryInt(r, "offset", 0, 0, 1_000_000_000)
	if err != nil {
		return err
	}
	keyID, err := httpapi.QueryString(r, "key_id", 64)
	if err != nil {
		return err
	}
	list, total, err := s.keys.WebhookDeliveries(r.Context(), keyID, keyhouse.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := deliveryList{Data: []delivery{}, Pagination: pagination{Total: total, Limit: limit, Offset: offset, HasMore: offset+limit < total}}
	for _, d := range list {
		out.Data = append(out.Data, delivery{ID: d.ID, MessageID: d.MessageID, KeyID: d.KeyID, Event: d.Event, URL: d.URL, Attempt: d.Attempt,
			Status: d.Status, ResponseStatus: d.ResponseStatus, Error: d.Error, CreatedAt: httpapi.Time(d.CreatedAt)})
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

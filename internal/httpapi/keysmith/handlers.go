package keysmith

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

func (s *Server) keyID(r *http.Request) (string, error) {
	return pathID(r, "keyId", keyhouse.PrefixKey, "key")
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req createKeyRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	var exp = req.ExpiresAt
	if exp != nil {
		t := exp.UTC()
		exp = &t
	}
	c, err := s.keys.Create(r.Context(), keys.CreateParams{Name: req.Name, Description: req.Description, Prefix: req.Prefix,
		Environment: req.Environment, PolicyID: req.PolicyID, Scopes: req.Scopes, Metadata: req.Metadata, ExpiresAt: exp})
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, keyWithRaw{Key: newKeyResponse(c.Key, s.keys.Now()), RawKey: c.RawKey})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := keyhouse.KeyFilter{Environment: q.Get("environment"), State: keyhouse.KeyState(q.Get("state")), PolicyID: q.Get("policy_id"), Page: pg}
	list, _, err := s.keys.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.keys.Now()
	out := make([]keyResponse, 0, len(list))
	for _, k := range list {
		out = append(out, newKeyResponse(k, now))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	k, err := s.keys.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newKeyResponse(k, s.keys.Now()))
}

// deleteKey revokes: Keysmith keeps the record ("deleted via API").
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	if _, err := s.keys.Revoke(r.Context(), id, "deleted via API"); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	var req rotateRequest
	if err := httpapi.DecodeWith(w, r, &req, httpapi.DecodeOptions{AllowEmpty: true}); err != nil {
		return err
	}
	p := keys.RotateParams{Reason: req.Reason}
	if req.GracePeriod != "" {
		g, err := ParseDuration("grace_period", req.GracePeriod)
		if err != nil {
			return err
		}
		p.Grace = &g
	}
	rot, err := s.keys.Rotate(r.Context(), id, p)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, keyWithRaw{Key: newKeyResponse(rot.New, s.keys.Now()), RawKey: rot.RawKey})
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := httpapi.DecodeWith(w, r, &req, httpapi.DecodeOptions{AllowEmpty: true}); err != nil {
		return err
	}
	if _, err := s.keys.Revoke(r.Context(), id, req.Reason); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) suspendKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	if _, err := s.keys.Suspend(r.Context(), id); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) reactivateKey(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	if _, err := s.keys.Reactivate(r.Context(), id); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) scopes(add bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := s.keyID(r)
		if err != nil {
			return err
		}
		var req scopesRequest
		if err := httpapi.Decode(w, r, &req); err != nil {
			return err
		}
		if len(req.Scopes) == 0 {
			return keyhouse.Invalid("No scopes were given.", keyhouse.FieldError{Field: "scopes", Code: "required", Message: "must name at least one scope"})
		}
		if add {
			_, err = s.keys.AddScopes(r.Context(), id, req.Scopes)
		} else {
			_, err = s.keys.RemoveScopes(r.Context(), id, req.Scopes)
		}
		if err != nil {
			return err
		}
		return httpapi.NoContent(w)
	}
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) error {
	var req validateRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	res, err := s.keys.Validate(r.Context(), keys.ValidateParams{RawKey: req.RawKey, IP: req.IP, Origin: req.Origin,
		RequiredScopes: req.RequiredScopes, Endpoint: req.Endpoint, Method: req.Method, UserAgent: req.UserAgent})
	if err != nil {
		return err
	}
	var limit, remaining *int
	var reset *string
	if res.RateLimited {
		l, rem, rs := res.Limit, res.Remaining, httpapi.Time(res.Reset)
		limit, remaining, reset = &l, &rem, &rs
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(l))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(rem))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(res.Reset.Unix(), 10))
	}
	if res.Valid {
		b, err := s.bodies.valid(res, s.keys.Now())
		if err != nil {
			return err
		}
		return httpapi.RawJSON(w, http.StatusOK, b)
	}
	status := res.Code.Status()
	if res.Code == keys.CodeRateLimited {
		w.Header().Set("Retry-After", strconv.Itoa(res.RetryAfter))
	}
	body := validateFailure{Problem: httpapi.Problem{
		Type: httpapi.ErrorDocsBase + string(res.Code), Title: http.StatusText(status), Status: status,
		Detail: res.Code.Message(), Instance: r.URL.Path, Code: string(res.Code), RequestID: httpapi.RequestID(r.Context()),
	}, Limit: limit, Remaining: remaining, Reset: reset}
	return problemJSON(w, status, body)
}

func (s *Server) keyUsage(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	from, to, err := timeRange(r)
	if err != nil {
		return err
	}
	list, err := s.keys.Usage(r.Context(), keys.UsageQuery{KeyID: id, From: from, To: to, Page: pg})
	if err != nil {
		return err
	}
	out := make([]usageResponse, 0, len(list))
	for _, u := range list {
		out = append(out, newUsageResponse(u))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) aggregate(keyScoped bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id string
		if keyScoped {
			var err error
			if id, err = s.keyID(r); err != nil {
				return err
			}
		}
		per, err := period(r)
		if err != nil {
			return err
		}
		from, to, err := timeRange(r)
		if err != nil {
			return err
		}
		bs, err := s.keys.Aggregate(r.Context(), keys.UsageQuery{KeyID: id, From: from, To: to}, per)
		if err != nil {
			return err
		}
		org := ""
		if p := keyhouse.PrincipalFromContext(r.Context()); p != nil {
			org = p.OrgID
		}
		return httpapi.JSON(w, http.StatusOK, newAggregates(org, bs))
	}
}

func (s *Server) rotations(w http.ResponseWriter, r *http.Request) error {
	id, err := s.keyID(r)
	if err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.keys.Rotations(r.Context(), id, pg)
	if err != nil {
		return err
	}
	out := make([]rotationResponse, 0, len(list))
	for _, x := range list {
		out = append(out, newRotationResponse(x))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	var req policyRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	p, err := req.params()
	if err != nil {
		return err
	}
	pol, err := s.keys.CreatePolicy(r.Context(), p)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, newPolicyResponse(pol))
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, err := s.keys.Policies(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]policyResponse, 0, len(list))
	for _, p := range list {
		out = append(out, newPolicyResponse(p))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) policyID(r *http.Request) (string, error) {
	return pathID(r, "policyId", keyhouse.PrefixPolicy, "policy")
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := s.policyID(r)
	if err != nil {
		return err
	}
	pol, err := s.keys.Policy(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newPolicyResponse(pol))
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := s.policyID(r)
	if err != nil {
		return err
	}
	var req policyRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	p, err := req.params()
	if err != nil {
		return err
	}
	pol, err := s.keys.UpdatePolicy(r.Context(), id, p)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newPolicyResponse(pol))
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	id, err := s.policyID(r)
	if err != nil {
		return err
	}
	if err := s.keys.DeletePolicy(r.Context(), id); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) createScope(w http.ResponseWriter, r *http.Request) error {
	var req scopeRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	sc, err := s.keys.CreateScope(r.Context(), req.Name, req.Description, req.Parent)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, newScopeResponse(sc))
}

func (s *Server) listScopes(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	parent, err := httpapi.QueryString(r, "parent", 128)
	if err != nil {
		return err
	}
	list, err := s.keys.Scopes(r.Context(), parent, pg)
	if err != nil {
		return err
	}
	out := make([]scopeResponse, 0, len(list))
	for _, sc := range list {
		out = append(out, newScopeResponse(sc))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) deleteScope(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "scopeId", keyhouse.PrefixScope, "scope")
	if err != nil {
		return err
	}
	if err := s.keys.DeleteScope(r.Context(), id); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

// problemJSON writes a problem body that is not built from an error (the
// validate failures, which carry more fields than httpapi.Problem).
func problemJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

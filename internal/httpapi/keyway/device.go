package keyway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/device"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type deviceStartRequest struct {
	Repository string `json:"repository,omitempty" doc:"owner/repo, for display"`
	OwnerID    *int64 `json:"ownerId,omitempty" doc:"accepted and ignored (Keyway's GitHub ids)"`
	RepoID     *int64 `json:"repoId,omitempty" doc:"accepted and ignored"`
}

// DeviceStart is a started device login (Keyway's fields).
type DeviceStart struct {
	DeviceCode              string  `json:"deviceCode"`
	UserCode                string  `json:"userCode"`
	VerificationURI         string  `json:"verificationUri"`
	VerificationURIComplete string  `json:"verificationUriComplete"`
	ExpiresIn               int     `json:"expiresIn"`
	Interval                int     `json:"interval"`
	GithubAppInstallURL     *string `json:"githubAppInstallUrl"`
}

// deviceStartResponse carries the fields twice: in the documented data
// envelope and at the top level, where Keyway's own CLI reads them (SPEC §2).
type deviceStartResponse struct {
	DeviceStart
	Data DeviceStart `json:"data"`
	Meta Meta        `json:"meta"`
}

func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return strings.TrimSuffix(s.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) deviceStart(w http.ResponseWriter, r *http.Request) error {
	var req deviceStartRequest
	if err := httpapi.DecodeWith(w, r, &req, httpapi.DecodeOptions{AllowEmpty: true}); err != nil {
		return err
	}
	st, err := s.device.Start(r.Context(), req.Repository)
	if err != nil {
		return err
	}
	uri := s.baseURL(r) + "/device"
	d := DeviceStart{DeviceCode: st.DeviceCode, UserCode: st.UserCode, VerificationURI: uri,
		VerificationURIComplete: uri + "?user_code=" + url.QueryEscape(st.UserCode), ExpiresIn: int(device.TTL.Seconds()), Interval: device.PollInterval}
	return httpapi.JSON(w, http.StatusOK, deviceStartResponse{DeviceStart: d, Data: d, Meta: Meta{RequestID: httpapi.RequestID(r.Context())}})
}

type devicePollRequest struct {
	DeviceCode string `json:"deviceCode"`
}

// DevicePoll is where a device login stands.
type DevicePoll struct {
	Status      string `json:"status" doc:"pending, approved, expired or denied"`
	KeywayToken string `json:"keywayToken,omitempty" doc:"approved: the CLI token, shown once"`
	GithubLogin string `json:"githubLogin,omitempty" doc:"approved: the user's name"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	Error       string `json:"error,omitempty" doc:"device_code_expired or authorization_denied"`
	Message     string `json:"message,omitempty"`
}

type devicePollResponse struct {
	DevicePoll
	Data DevicePoll `json:"data"`
	Meta Meta       `json:"meta"`
}

func (s *Server) devicePoll(w http.ResponseWriter, r *http.Request) error {
	var req devicePollRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	res, err := s.device.Poll(r.Context(), req.DeviceCode)
	if err != nil {
		return err
	}
	out, status := DevicePoll{Status: string(res.Status), Message: res.Message}, http.StatusOK
	switch res.Status {
	case keyhouse.DeviceApproved:
		out.KeywayToken, out.GithubLogin, out.ExpiresAt = res.Login.Token, res.Login.User.Name, httpapi.Time(res.Login.Session.ExpiresAt)
	case device.Expired:
		out.Error, status = "device_code_expired", http.StatusBadRequest
	case keyhouse.DeviceDenied:
		out.Error, status = "authorization_denied", http.StatusForbidden
	}
	return httpapi.JSON(w, status, devicePollResponse{DevicePoll: out, Data: out, Meta: Meta{RequestID: httpapi.RequestID(r.Context())}})
}

type deviceDecideRequest struct {
	UserCode string `json:"userCode"`
}

type deviceDecideResponse struct {
	UserCode   string `json:"userCode"`
	Status     string `json:"status" doc:"approved or denied"`
	Repository string `json:"repository"`
}

func (s *Server) deviceDecide(approve bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req deviceDecideRequest
		if err := httpapi.Decode(w, r, &req); err != nil {
			return err
		}
		d, err := s.device.Decide(r.Context(), req.UserCode, approve)
		if err != nil {
			return err
		}
		return reply(w, r, http.StatusOK, deviceDecideResponse{UserCode: d.UserCode, Status: string(d.Status), Repository: d.Repository})
	}
}

type deviceLookupResponse struct {
	UserCode   string `json:"userCode"`
	Repository string `json:"repository"`
	ExpiresAt  string `json:"expiresAt"`
}

func (s *Server) deviceLookup(w http.ResponseWriter, r *http.Request) error {
	d, err := s.device.Lookup(r.Context(), r.URL.Query().Get("user_code"))
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, deviceLookupResponse{UserCode: d.UserCode, Repository: d.Repository, ExpiresAt: httpapi.Time(d.ExpiresAt)})
}

// deviceVerify is Keyway's verification link: it sends the browser to the
// dashboard's approval page.
func (s *Server) deviceVerify(w http.ResponseWriter, r *http.Request) {
	target := "/device"
	if uc := r.URL.Query().Get("user_code"); uc != "" {
		target += "?user_code=" + url.QueryEscape(uc)
	}
	http.Redirect(w, r, target, http.StatusFound)
}

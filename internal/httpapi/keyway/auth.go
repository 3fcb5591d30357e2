package keyway

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Client   string `json:"client,omitempty" doc:"\"cli\" returns a CLI token instead of setting a cookie"`
}

type setupRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type loginResponse struct {
	User      userResponse `json:"user"`
	Token     string       `json:"token,omitempty" doc:"the CLI token (client=cli only), shown once"`
	ExpiresAt string       `json:"expiresAt"`
}

type logoutResponse struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// userResponse is Keyway's user shape; githubId and avatarUrl are null
// because Keyhouse users are not GitHub accounts.
type userResponse struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Email          string  `json:"email"`
	Name           string  `json:"name"`
	Role           string  `json:"role"`
	OrganizationID string  `json:"organizationId"`
	GithubID       *int64  `json:"githubId"`
	AvatarURL      *string `json:"avatarUrl"`
	CreatedAt      string  `json:"createdAt"`
}

func newUserResponse(u *keyhouse.User) userResponse {
	return userResponse{ID: u.ID, Username: u.Name, Email: u.Email, Name: u.Name, Role: string(u.Role), OrganizationID: u.OrgID, CreatedAt: httpapi.Time(u.CreatedAt)}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	kind := keyhouse.SessionBrowser
	switch req.Client {
	case "", "web":
	case "cli":
		kind = keyhouse.SessionCLI
	default:
		return keyhouse.Invalid("Unknown client.", keyhouse.FieldError{Field: "client", Code: "invalid", Message: `must be "web" or "cli"`})
	}
	if req.Email == "" || req.Password == "" || len(req.Email) > 320 || len(req.Password) > 1024 {
		return keyhouse.Invalid("Email and password are required.", keyhouse.FieldError{Field: "email", Code: "required", Message: "email and password are required"})
	}
	res, err := s.auth.Login(r.Context(), req.Email, req.Password, kind)
	if err != nil {
		return err
	}
	return s.signedIn(w, r, res)
}

func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, res *auth.LoginResult) error {
	out := loginResponse{User: newUserResponse(res.User), ExpiresAt: httpapi.Time(res.Session.ExpiresAt)}
	if res.Session.Kind == keyhouse.SessionCLI {
		out.Token = res.Token
	} else {
		http.SetCookie(w, &http.Cookie{
			Name: httpapi.SessionCookie, Value: res.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
			// MaxAge, not Expires: the browser's clock need not agree with ours.
			Secure: s.secureCookies || r.TLS != nil, MaxAge: int(res.Session.ExpiresAt.Sub(res.Session.CreatedAt).Seconds()),
		})
	}
	return reply(w, r, http.StatusOK, out)
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	var req setupRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Token == "" || len(req.Token) > 200 {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "Setup link not found.")
	}
	res, err := s.auth.CompleteSetup(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	return s.signedIn(w, r, res)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.Logout(r.Context()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: httpapi.SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return reply(w, r, http.StatusOK, logoutResponse{Success: true, Message: "Logged out successfully"})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u, err := s.auth.Me(r.Context())
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, newUserResponse(u))
}

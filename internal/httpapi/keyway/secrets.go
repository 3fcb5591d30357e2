package keyway

import (
	"math"
	"net/http"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

// actorRef is Keyway's {username, avatarUrl}; Keyhouse has no avatars.
type actorRef struct {
	Username  string  `json:"username"`
	AvatarURL *string `json:"avatarUrl"`
}

type secretItem = secretFields

// secretFields is a secret's metadata, as lists and writes show it.
type secretFields struct {
	ID             string    `json:"id"`
	Key            string    `json:"key"`
	Environment    string    `json:"environment"`
	CreatedAt      string    `json:"createdAt"`
	UpdatedAt      string    `json:"updatedAt"`
	LastModifiedBy *actorRef `json:"lastModifiedBy"`
}

func (s *Server) names(r *http.Request, idList ...keyhouse.ID) map[keyhouse.ID]string {
	m, err := s.secrets.ActorNames(r.Context(), idList)
	if err != nil {
		return map[keyhouse.ID]string{}
	}
	return m
}

func ref(names map[keyhouse.ID]string, id keyhouse.ID) *actorRef {
	if n := names[id]; n != "" {
		return &actorRef{Username: n}
	}
	return nil
}

func newSecretItems(list []*keyhouse.Secret, names map[keyhouse.ID]string) []secretItem {
	out := make([]secretItem, 0, len(list))
	for _, sec := range list {
		out = append(out, newSecretItem(sec, names))
	}
	return out
}

func newSecretItem(sec *keyhouse.Secret, names map[keyhouse.ID]string) secretItem {
	return secretItem{ID: sec.ID, Key: sec.Key, Environment: sec.Environment, CreatedAt: httpapi.Time(sec.CreatedAt), UpdatedAt: httpapi.Time(sec.UpdatedAt), LastModifiedBy: ref(names, sec.UpdatedBy)}
}

func actorIDs(list []*keyhouse.Secret) []keyhouse.ID {
	out := make([]keyhouse.ID, 0, len(list))
	for _, sec := range list {
		out = append(out, sec.UpdatedBy)
	}
	return out
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.secrets.Secrets(r.Context(), r.PathValue("owner"), r.PathValue("repo"), pg)
	if err != nil {
		return err
	}
	return replyList(w, r, newSecretItems(list, s.names(r, actorIDs(list)...)), pg, total)
}

type createSecretRequest struct {
	Key         *string `json:"key"`
	Value       *string `json:"value"`
	Environment string  `json:"environment,omitempty" doc:"default \"default\""`
}

// createSecretResponse is Keyway code's {id, status} together with the
// secret metadata its docs show: a shape both readers accept (SPEC §2).
type createSecretResponse struct {
	secretFields
	Status string `json:"status" doc:"created or updated"`
}

func required(name string) error {
	return keyhouse.Invalid(name+" is required.", keyhouse.FieldError{Field: name, Code: "required", Message: "is required"})
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request) error {
	var req createSecretRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Key == nil {
		return required("key")
	}
	if req.Value == nil {
		return required("value")
	}
	sec, created, err := s.secrets.SetSecret(r.Context(), r.PathValue("owner"), r.PathValue("repo"), req.Environment, *req.Key, *req.Value)
	if err != nil {
		return err
	}
	out := createSecretResponse{secretFields: newSecretItem(sec, s.names(r, sec.UpdatedBy)), Status: "updated"}
	if created {
		out.Status = "created"
		return reply(w, r, http.StatusCreated, out)
	}
	return reply(w, r, http.StatusOK, out)
}

// updatedSecret is secretItem under its own name: the OpenAPI component
// names of Envelope[T] and Envelope[[]T] would otherwise collide.
type updatedSecret secretItem

type updateSecretRequest struct {
	Name  *string `json:"name,omitempty" doc:"the new key"`
	Value *string `json:"value,omitempty"`
}

func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request) error {
	var req updateSecretRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	sec, err := s.secrets.UpdateSecret(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"), req.Name, req.Value)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, updatedSecret(newSecretItem(sec, s.names(r, sec.UpdatedBy))))
}

type trashedResponse struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	Environment string `json:"environment"`
	DeletedAt   string `json:"deletedAt"`
	ExpiresAt   string `json:"expiresAt"`
	Message     string `json:"message"`
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) error {
	sec, err := s.secrets.TrashSecret(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"))
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, trashedResponse{ID: sec.ID, Key: sec.Key, Environment: sec.Environment,
		DeletedAt: httpapi.Time(*sec.DeletedAt), ExpiresAt: httpapi.Time(sec.DeletedAt.Add(secrets.TrashRetention)), Message: "Secret moved to trash"})
}

// limited adds the rate-limit headers of a route's own limit to its 429s.
func limited(w http.ResponseWriter, err error, limit int) error {
	if keyhouse.ErrorCode(err) == keyhouse.ERATELIMITED {
		w.Header().Set("X-RateLimit-Limit", itoa(limit))
		w.Header().Set("X-RateLimit-Remaining", "0")
	}
	return err
}

type valueResponse struct {
	Value   string `json:"value"`
	Preview string `json:"preview"`
}

func (s *Server) secretValue(w http.ResponseWriter, r *http.Request) error {
	_, value, err := s.secrets.RevealSecret(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"))
	if err != nil {
		return limited(w, err, secrets.RevealsPerMinute)
	}
	return reply(w, r, http.StatusOK, valueResponse{Value: value, Preview: secrets.Preview(value)})
}

type versionItem struct {
	ID            string    `json:"id"`
	VersionNumber int       `json:"versionNumber"`
	CreatedAt     string    `json:"createdAt"`
	CreatedBy     *actorRef `json:"createdBy"`
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.secrets.Versions(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"))
	if err != nil {
		return err
	}
	idList := make([]keyhouse.ID, 0, len(list))
	for _, v := range list {
		idList = append(idList, v.CreatedBy)
	}
	names := s.names(r, idList...)
	// Keyway's docs answer data:[…] and its code data:{versions:[…]}; no
	// shape satisfies both, so the docs win (SPEC §2).
	out := make([]versionItem, 0, len(list))
	for _, v := range list {
		out = append(out, versionItem{ID: v.ID, VersionNumber: v.Number, CreatedAt: httpapi.Time(v.CreatedAt), CreatedBy: ref(names, v.CreatedBy)})
	}
	return reply(w, r, http.StatusOK, out)
}

type versionValueResponse struct {
	ID            string    `json:"id"`
	VersionNumber int       `json:"versionNumber"`
	Value         string    `json:"value"`
	Preview       string    `json:"preview"`
	CreatedAt     string    `json:"createdAt"`
	CreatedBy     *actorRef `json:"createdBy"`
}

func (s *Server) versionValue(w http.ResponseWriter, r *http.Request) error {
	v, value, err := s.secrets.VersionValue(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"), r.PathValue("versionId"))
	if err != nil {
		return limited(w, err, secrets.RevealsPerMinute)
	}
	return reply(w, r, http.StatusOK, versionValueResponse{ID: v.ID, VersionNumber: v.Number, Value: value, Preview: secrets.Preview(value),
		CreatedAt: httpapi.Time(v.CreatedAt), CreatedBy: ref(s.names(r, v.CreatedBy), v.CreatedBy)})
}

type restoreVersionResponse struct {
	Message       string `json:"message"`
	Key           string `json:"key"`
	VersionNumber int    `json:"versionNumber"`
}

func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request) error {
	sec, n, err := s.secrets.RestoreVersion(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"), r.PathValue("versionId"))
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, restoreVersionResponse{Message: "Restored to version " + itoa(n), Key: sec.Key, VersionNumber: n})
}

type trashItem struct {
	ID            string `json:"id"`
	Key           string `json:"key"`
	Environment   string `json:"environment"`
	DeletedAt     string `json:"deletedAt"`
	ExpiresAt     string `json:"expiresAt"`
	DaysRemaining int    `json:"daysRemaining"`
}

// daysRemaining is ceil of the days left before the purge, at least 0.
func daysRemaining(expires, now time.Time) int {
	d := expires.Sub(now).Hours() / 24
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d))
}

func (s *Server) listTrash(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.secrets.Trash(r.Context(), r.PathValue("owner"), r.PathValue("repo"), pg)
	if err != nil {
		return err
	}
	now := s.secrets.Now()
	out := make([]trashItem, 0, len(list))
	for _, sec := range list {
		exp := sec.DeletedAt.Add(secrets.TrashRetention)
		out = append(out, trashItem{ID: sec.ID, Key: sec.Key, Environment: sec.Environment, DeletedAt: httpapi.Time(*sec.DeletedAt), ExpiresAt: httpapi.Time(exp), DaysRemaining: daysRemaining(exp, now)})
	}
	return replyList(w, r, out, pg, total)
}

type restoreTrashResponse struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	Environment string `json:"environment"`
	Message     string `json:"message"`
}

func (s *Server) restoreTrash(w http.ResponseWriter, r *http.Request) error {
	sec, err := s.secrets.RestoreTrash(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId"))
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, restoreTrashResponse{ID: sec.ID, Key: sec.Key, Environment: sec.Environment, Message: "Secret restored from trash"})
}

func (s *Server) deleteTrashed(w http.ResponseWriter, r *http.Request) error {
	if err := s.secrets.DeleteTrashed(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("secretId")); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

type emptyTrashResponse struct {
	Deleted int    `json:"deleted"`
	Message string `json:"message"`
}

func (s *Server) emptyTrash(w http.ResponseWriter, r *http.Request) error {
	n, err := s.secrets.EmptyTrash(r.Context(), r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		return err
	}
	msg := "Trash emptied: " + itoa(n) + " secret(s) permanently deleted"
	if n == 0 {
		msg = "Trash is already empty"
	}
	return reply(w, r, http.StatusOK, emptyTrashResponse{Deleted: n, Message: msg})
}

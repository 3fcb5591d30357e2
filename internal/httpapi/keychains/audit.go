package keychains

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

var (
	auditFilterParams = []string{"machineId", "permissionRequestId", "provider", "method", "eventType", "actorId", "actorType", "resourceType", "resourceId", "startDate", "endDate"}
	auditQuery        = append([]string{"page", "limit", "action"}, auditFilterParams...)
	exportQuery       = append([]string{"format"}, auditFilterParams...)
)

// auditEntry is one audit event in Keychains' shape, with Keyhouse's
// actor and resource fields added.
type auditEntry struct {
	ID                  string            `json:"id"`
	Seq                 int64             `json:"seq"`
	Timestamp           string            `json:"timestamp"`
	EventType           string            `json:"eventType"`
	ActorType           string            `json:"actorType"`
	ActorID             string            `json:"actorId"`
	ResourceType        string            `json:"resourceType"`
	ResourceID          string            `json:"resourceId"`
	MachineID           *string           `json:"machineId"`
	PermissionRequestID *string           `json:"permissionRequestId"`
	Provider            *string           `json:"provider"`
	Method              *string           `json:"method"`
	Endpoint            *string           `json:"endpoint"`
	StatusCode          *int              `json:"statusCode"`
	RequestID           string            `json:"requestId"`
	IP                  string            `json:"ip"`
	Metadata            map[string]string `json:"metadata"`
	Hash                string            `json:"hash"`
}

type auditList struct {
	Entries []auditEntry `json:"entries"`
	Total   int          `json:"total"`
	Page    int          `json:"page"`
	Limit   int          `json:"limit"`
}

type auditFilters struct {
	Filters auditFilterValues `json:"filters"`
}

type auditFilterValues struct {
	EventTypes           []string `json:"eventTypes"`
	ActorTypes           []string `json:"actorTypes"`
	ActorIDs             []string `json:"actorIds"`
	MachineIDs           []string `json:"machineIds"`
	PermissionRequestIDs []string `json:"permissionRequestIds"`
	Providers            []string `json:"providers"`
	Methods              []string `json:"methods"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newAuditEntry(e *keyhouse.AuditEvent) auditEntry {
	out := auditEntry{
		ID: e.ID, Seq: e.Seq, Timestamp: httpapi.Time(e.Time), EventType: e.Action, ActorType: string(e.ActorType), ActorID: e.ActorID,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, MachineID: optional(e.MachineID), PermissionRequestID: optional(e.PermissionID),
		Provider: optional(e.Provider), Method: optional(e.Method), Endpoint: optional(e.Endpoint), RequestID: e.RequestID, IP: e.ClientIP,
		Metadata: e.Metadata, Hash: hex.EncodeToString(e.Hash[:]),
	}
	if e.StatusCode != 0 {
		sc := e.StatusCode
		out.StatusCode = &sc
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// auditFilter reads the documented filters.
func auditFilter(r *http.Request) (keyhouse.AuditFilter, error) {
	var f keyhouse.AuditFilter
	for _, q := range []struct {
		name string
		dst  *string
	}{
		{"machineId", &f.MachineID}, {"permissionRequestId", &f.PermissionID}, {"provider", &f.Provider},
		{"method", &f.Method}, {"eventType", &f.Action}, {"actorId", &f.ActorID}, {"actorType", &f.ActorType},
		{"resourceType", &f.ResourceType}, {"resourceId", &f.ResourceID},
	} {
		v, err := httpapi.QueryString(r, q.name, 200)
		if err != nil {
			return f, err
		}
		*q.dst = v
	}
	from, err := httpapi.QueryTime(r, "startDate")
	if err != nil {
		return f, err
	}
	to, err := httpapi.QueryTime(r, "endDate")
	if err != nil {
		return f, err
	}
	// A bare end date means "through that day".
	if to != nil && len(r.URL.Query().Get("endDate")) == len("2006-01-02") {
		t := to.AddDate(0, 0, 1)
		to = &t
	}
	f.From, f.To = from, to
	return f, nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("action") == "filters" {
		v, err := s.audit.FilterValues(r.Context())
		if err != nil {
			return err
		}
		return httpapi.JSON(w, http.StatusOK, auditFilters{Filters: auditFilterValues{
			EventTypes: v.Actions, ActorTypes: v.ActorTypes, ActorIDs: v.ActorIDs, MachineIDs: v.MachineIDs,
			PermissionRequestIDs: v.Permissions, Providers: v.Providers, Methods: v.Methods,
		}})
	}
	if a := r.URL.Query().Get("action"); a != "" {
		return keyhouse.Invalid("Unknown action.", keyhouse.FieldError{Field: "action", Code: "invalid", Message: `the only action is "filters"`})
	}
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	pg, limit, err := page(r)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, (pg-1)*limit
	evs, total, err := s.audit.Query(r.Context(), f)
	if err != nil {
		return err
	}
	out := auditList{Entries: []auditEntry{}, Total: total, Page: pg, Limit: limit}
	for _, e := range evs {
		out.Entries = append(out.Entries, newAuditEntry(e))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

var csvHeader = []string{"id", "seq", "timestamp", "eventType", "actorType", "actorId", "resourceType", "resourceId", "machineId", "permissionRequestId", "provider", "method", "endpoint", "statusCode", "requestId", "ip", "metadata", "hash"}

// exportAudit streams every matching event, oldest first, as CSV
// (format=csv, the default) or JSON Lines (format=jsonl).
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "jsonl" && format != "json" {
		return keyhouse.Invalid("Unknown export format.", keyhouse.FieldError{Field: "format", Code: "invalid", Message: "must be csv or jsonl"})
	}
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	if err := s.audit.Authorize(r.Context()); err != nil {
		return err
	}
	flusher, _ := w.(http.Flusher)
	n := 0
	flush := func() {
		n++
		if flusher != nil && n%200 == 0 {
			flusher.Flush()
		}
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		err = s.audit.Export(r.Context(), f, func(e *keyhouse.AuditEvent) error {
			meta, _ := json.Marshal(e.Metadata)
			sc := ""
			if e.StatusCode != 0 {
				sc = strconv.Itoa(e.StatusCode)
			}
			if err := cw.Write([]string{e.ID, strconv.FormatInt(e.Seq, 10), httpapi.Time(e.Time), e.Action, string(e.ActorType), e.ActorID,
				e.ResourceType, e.ResourceID, e.MachineID, e.PermissionID, e.Provider, e.Method, e.Endpoint, sc, e.RequestID, e.ClientIP,
				string(meta), hex.EncodeToString(e.Hash[:])}); err != nil {
				return err
			}
			cw.Flush()
			flush()
			return cw.Error()
		})
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.jsonl"`)
	enc := json.NewEncoder(w)
	return s.audit.Export(r.Context(), f, func(e *keyhouse.AuditEvent) error {
		flush()
		return enc.Encode(newAuditEntry(e))
	})
}

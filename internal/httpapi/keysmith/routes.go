package keysmith

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// Routes adds the Keysmith surface's routes to rt.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(r httpapi.Route) {
		r.Surface = httpapi.Keysmith
		rt.Add(r)
	}
	page := []string{"limit", "offset"}
	rng := []string{"from", "to", "after", "before"}
	agg := []string{"period", "granularity", "from", "to", "after", "before"}

	add(httpapi.Route{Method: "POST", Path: "/v1/keys", Summary: "Create an API key; the raw key is in this answer only.", Tag: "keys", Request: createKeyRequest{}, Status: http.StatusCreated, Response: keyWithRaw{}, Handler: s.createKey})
	add(httpapi.Route{Method: "GET", Path: "/v1/keys", Summary: "List API keys.", Tag: "keys", Query: append([]string{"environment", "state", "policy_id"}, page...), Response: []keyResponse{}, Handler: s.listKeys})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/validate", NoRateLimit: true, QuietLog: true, Summary: "Validate a presented API key (valid, or a failure code).", Tag: "keys", Request: validateRequest{}, Response: validateResponse{}, OtherStatuses: []int{401, 403, 429}, Handler: s.validate})
	add(httpapi.Route{Method: "GET", Path: "/v1/keys/{keyId}", Summary: "Get an API key.", Tag: "keys", Response: keyResponse{}, OtherStatuses: []int{400, 404}, Handler: s.getKey})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/keys/{keyId}", Summary: "Delete (revoke) an API key; the record is kept.", Tag: "keys", Status: http.StatusNoContent, OtherStatuses: []int{400, 404}, Handler: s.deleteKey})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/{keyId}/rotate", OptionalBody: true, Summary: "Rotate a key: a new key now, the old one until its grace period ends.", Tag: "keys", Request: rotateRequest{}, Response: keyWithRaw{}, OtherStatuses: []int{400, 404, 409}, Handler: s.rotateKey})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/{keyId}/revoke", OptionalBody: true, Summary: "Revoke a key for good.", Tag: "keys", Request: reasonRequest{}, Status: http.StatusNoContent, OtherStatuses: []int{400, 404}, Handler: s.revokeKey})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/{keyId}/suspend", Summary: "Suspend a key.", Tag: "keys", Status: http.StatusNoContent, OtherStatuses: []int{400, 404, 409}, Handler: s.suspendKey})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/{keyId}/reactivate", Summary: "Reactivate a suspended key.", Tag: "keys", Status: http.StatusNoContent, OtherStatuses: []int{400, 404, 409}, Handler: s.reactivateKey})
	add(httpapi.Route{Method: "POST", Path: "/v1/keys/{keyId}/scopes", Summary: "Assign registered scopes to a key.", Tag: "keys", Request: scopesRequest{}, Status: http.StatusNoContent, OtherStatuses: []int{400, 404}, Handler: s.scopes(true)})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/keys/{keyId}/scopes", Summary: "Remove scopes from a key.", Tag: "keys", Request: scopesRequest{}, Status: http.StatusNoContent, OtherStatuses: []int{400, 404}, Handler: s.scopes(false)})
	add(httpapi.Route{Method: "GET", Path: "/v1/keys/{keyId}/usage", Summary: "A key's usage records, newest first.", Tag: "usage", Query: append(rng, page...), Response: []usageResponse{}, OtherStatuses: []int{400, 404}, Handler: s.keyUsage})
	add(httpapi.Route{Method: "GET", Path: "/v1/keys/{keyId}/usage/aggregate", Summary: "A key's usage per hour, day or month.", Tag: "usage", Query: agg, Response: []aggregateResponse{}, OtherStatuses: []int{400, 404}, Handler: s.aggregate(true)})
	add(httpapi.Route{Method: "GET", Path: "/v1/keys/{keyId}/rotations", Summary: "A key's rotations.", Tag: "keys", Query: page, Response: []rotationResponse{}, OtherStatuses: []int{400, 404}, Handler: s.rotations})
	add(httpapi.Route{Method: "GET", Path: "/v1/usage", Summary: "The organization's usage per hour, day or month.", Tag: "usage", Query: agg, Response: []aggregateResponse{}, Handler: s.aggregate(false)})

	add(httpapi.Route{Method: "POST", Path: "/v1/policies", Summary: "Create a key policy.", Tag: "policies", Request: policyRequest{}, Status: http.StatusCreated, Response: policyResponse{}, Handler: s.createPolicy})
	add(httpapi.Route{Method: "GET", Path: "/v1/policies", Summary: "List key policies.", Tag: "policies", Query: page, Response: []policyResponse{}, Handler: s.listPolicies})
	add(httpapi.Route{Method: "GET", Path: "/v1/policies/{policyId}", Summary: "Get a key policy.", Tag: "policies", Response: policyResponse{}, OtherStatuses: []int{400, 404}, Handler: s.getPolicy})
	add(httpapi.Route{Method: "PUT", Path: "/v1/policies/{policyId}", Summary: "Replace a key policy.", Tag: "policies", Request: policyRequest{}, Response: policyResponse{}, OtherStatuses: []int{400, 404}, Handler: s.updatePolicy})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/policies/{policyId}", Summary: "Delete a key policy no key uses.", Tag: "policies", Status: http.StatusNoContent, OtherStatuses: []int{400, 404, 409}, Handler: s.deletePolicy})

	add(httpapi.Route{Method: "POST", Path: "/v1/scopes", Summary: "Register a scope.", Tag: "scopes", Request: scopeRequest{}, Status: http.StatusCreated, Response: scopeResponse{}, OtherStatuses: []int{409}, Handler: s.createScope})
	add(httpapi.Route{Method: "GET", Path: "/v1/scopes", Summary: "List registered scopes.", Tag: "scopes", Query: append([]string{"parent"}, page...), Response: []scopeResponse{}, Handler: s.listScopes})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/scopes/{scopeId}", Summary: "Delete a registered scope.", Tag: "scopes", Status: http.StatusNoContent, OtherStatuses: []int{400, 404}, Handler: s.deleteScope})
}

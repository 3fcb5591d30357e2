package app_test

// Cross-tenant rows for the Keysmith and project-key surfaces: org one owns
// a key, a policy, a scope and the default project; org two aims at them.

func init() {
	for pattern, row := range map[string]matrixRow{
		"POST /v1/keys":                        {path: "/v1/keys", body: map[string]any{"name": "two-owns-this"}, noIDs: true},
		"GET /v1/keys":                         {path: "/v1/keys", noIDs: true},
		"POST /v1/keys/validate":               {path: "/v1/keys/validate", body: map[string]any{"raw_key": "{raw_key}"}, want: 401},
		"GET /v1/keys/{keyId}":                 {path: "/v1/keys/{key}"},
		"DELETE /v1/keys/{keyId}":              {path: "/v1/keys/{key}"},
		"POST /v1/keys/{keyId}/rotate":         {path: "/v1/keys/{key}/rotate", body: map[string]any{"reason": "stolen"}},
		"POST /v1/keys/{keyId}/revoke":         {path: "/v1/keys/{key}/revoke", body: map[string]any{"reason": "stolen"}},
		"POST /v1/keys/{keyId}/suspend":        {path: "/v1/keys/{key}/suspend"},
		"POST /v1/keys/{keyId}/reactivate":     {path: "/v1/keys/{key}/reactivate"},
		"POST /v1/keys/{keyId}/scopes":         {path: "/v1/keys/{key}/scopes", body: map[string]any{"scopes": []string{"read:victim"}}},
		"DELETE /v1/keys/{keyId}/scopes":       {path: "/v1/keys/{key}/scopes", body: map[string]any{"scopes": []string{"read:victim"}}},
		"GET /v1/keys/{keyId}/usage":           {path: "/v1/keys/{key}/usage"},
		"GET /v1/keys/{keyId}/usage/aggregate": {path: "/v1/keys/{key}/usage/aggregate"},
		"GET /v1/keys/{keyId}/rotations":       {path: "/v1/keys/{key}/rotations"},
		"GET /v1/usage":                        {path: "/v1/usage", noIDs: true},
		"POST /v1/policies":                    {path: "/v1/policies", body: map[string]any{"name": "two-owns-this"}, noIDs: true},
		"GET /v1/policies":                     {path: "/v1/policies", noIDs: true},
		"GET /v1/policies/{policyId}":          {path: "/v1/policies/{policy}"},
		"PUT /v1/policies/{policyId}":          {path: "/v1/policies/{policy}", body: map[string]any{"name": "stolen"}},
		"DELETE /v1/policies/{policyId}":       {path: "/v1/policies/{policy}"},
		"POST /v1/scopes":                      {path: "/v1/scopes", body: map[string]any{"name": "two:owns"}, noIDs: true},
		"GET /v1/scopes":                       {path: "/v1/scopes", noIDs: true},
		"DELETE /v1/scopes/{scopeId}":          {path: "/v1/scopes/{scope}"},
		"GET /v1/api-keys":                     {path: "/v1/api-keys?project_id={project_default}"},
		"POST /v1/api-keys":                    {path: "/v1/api-keys", body: map[string]any{"project_id": "{project_default}", "name": "stolen", "scopes": []string{"read:victim"}}},
		"GET /v1/api-keys/expiring-soon":       {path: "/v1/api-keys/expiring-soon?project_id={project_default}"},
		"DELETE /v1/api-keys/{keyID}":          {path: "/v1/api-keys/{key}"},
		"POST /v1/api-keys/{keyID}/rotate":     {path: "/v1/api-keys/{key}/rotate", body: map[string]any{"grace_period_minutes": 5}},
		"GET /v1/webhooks/deliveries":          {path: "/v1/webhooks/deliveries", noIDs: true},
	} {
		matrixRows[pattern] = row
	}
	matrixSetups = append(matrixSetups, func(f *fixture) {
		e, tok := f.env, f.env.Owner.Token
		r := e.Do("POST", "/v1/scopes", tok, map[string]any{"name": "read:victim"})
		mustStatus(f, r, 201)
		f.ids["scope"] = r.Map()["id"].(string)
		r = e.Do("POST", "/v1/policies", tok, map[string]any{"name": "victim", "rate_limit": 100, "rate_limit_window": "1m"})
		mustStatus(f, r, 201)
		f.ids["policy"] = r.Map()["id"].(string)
		r = e.Do("POST", "/v1/keys", tok, map[string]any{"name": "victim", "scopes": []string{"read:victim"}, "policy_id": f.ids["policy"]})
		mustStatus(f, r, 201)
		var created struct {
			Key struct {
				ID string `json:"id"`
			} `json:"key"`
			RawKey string `json:"raw_key"`
		}
		r.JSON(&created)
		f.ids["key"], f.ids["raw_key"] = created.Key.ID, created.RawKey
		var projects struct {
			Data []struct{ ID, Name string } `json:"data"`
		}
		e.Do("GET", "/v1/projects", tok, nil).JSON(&projects)
		for _, p := range projects.Data {
			if p.Name == "default" {
				f.ids["project_default"] = p.ID
			}
		}
	})
	orgOneViews = append(orgOneViews, "/v1/keys", "/v1/policies", "/v1/scopes")
}

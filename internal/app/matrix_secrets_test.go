package app_test

import "github.com/keyhouse-dev/keyhouse/internal/apptest"

// Cross-tenant rows for the Keyway secrets surface: org one owns vault
// acme/api; org two aims at it by name and by its secrets' IDs.

const vaultPath = "/v1/vaults/acme/api"

func init() {
	v := vaultPath
	for pattern, row := range map[string]matrixRow{
		"GET /v1/users/me/usage":       {path: "/v1/users/me/usage", noIDs: true},
		"GET /v1/activity":             {path: "/v1/activity", noIDs: true},
		"POST /v1/auth/token/validate": {path: "/v1/auth/token/validate", noIDs: true},
		"GET /v1/auth/device/lookup":   {path: "/v1/auth/device/lookup?user_code=ABCDE-FGHJK", noIDs: true},
		"POST /v1/auth/device/approve": {path: "/v1/auth/device/approve", body: map[string]string{"userCode": "ABCDE-FGHJK"}, noIDs: true},
		"POST /v1/auth/device/deny":    {path: "/v1/auth/device/deny", body: map[string]string{"userCode": "ABCDE-FGHJK"}, noIDs: true},
		"GET /v1/vaults":               {path: "/v1/vaults", noIDs: true},
		"POST /v1/vaults":              {path: "/v1/vaults", body: map[string]string{"repoFullName": "two/own"}, noIDs: true},

		"GET /v1/vaults/{owner}/{repo}":                                                  {path: v},
		"DELETE /v1/vaults/{owner}/{repo}":                                               {path: v},
		"GET /v1/vaults/{owner}/{repo}/secrets":                                          {path: v + "/secrets"},
		"POST /v1/vaults/{owner}/{repo}/secrets":                                         {path: v + "/secrets", body: map[string]string{"key": "STOLEN", "value": "x", "environment": "production"}},
		"PATCH /v1/vaults/{owner}/{repo}/secrets/{secretId}":                             {path: v + "/secrets/{secret}", body: map[string]string{"value": "overwritten"}},
		"DELETE /v1/vaults/{owner}/{repo}/secrets/{secretId}":                            {path: v + "/secrets/{secret}"},
		"GET /v1/vaults/{owner}/{repo}/secrets/{secretId}/value":                         {path: v + "/secrets/{secret}/value"},
		"GET /v1/vaults/{owner}/{repo}/secrets/{secretId}/versions":                      {path: v + "/secrets/{secret}/versions"},
		"GET /v1/vaults/{owner}/{repo}/secrets/{secretId}/versions/{versionId}/value":    {path: v + "/secrets/{secret}/versions/{version}/value"},
		"POST /v1/vaults/{owner}/{repo}/secrets/{secretId}/versions/{versionId}/restore": {path: v + "/secrets/{secret}/versions/{version}/restore"},
		"GET /v1/vaults/{owner}/{repo}/trash":                                            {path: v + "/trash"},
		"POST /v1/vaults/{owner}/{repo}/trash/{secretId}/restore":                        {path: v + "/trash/{trashed}/restore"},
		"DELETE /v1/vaults/{owner}/{repo}/trash/{secretId}":                              {path: v + "/trash/{trashed}"},
		"DELETE /v1/vaults/{owner}/{repo}/trash":                                         {path: v + "/trash"},
		"POST /v1/secrets/push":                                                          {path: "/v1/secrets/push", body: map[string]any{"repoFullName": "acme/api", "environment": "production", "secrets": map[string]string{"STOLEN": "x"}}},
		"GET /v1/secrets/pull":                                                           {path: "/v1/secrets/pull?repo=acme/api&environment=production"},
		"GET /v1/secrets/view":                                                           {path: "/v1/secrets/view?repo=acme/api&environment=production&key=API_TOKEN"},
		"GET /v1/vaults/{owner}/{repo}/environments":                                     {path: v + "/environments"},
		"POST /v1/vaults/{owner}/{repo}/environments":                                    {path: v + "/environments", body: map[string]string{"name": "stolen"}},
		"PATCH /v1/vaults/{owner}/{repo}/environments/{name}":                            {path: v + "/environments/production", body: map[string]string{"newName": "stolen"}},
		"DELETE /v1/vaults/{owner}/{repo}/environments/{name}":                           {path: v + "/environments/production"},
		"GET /v1/vaults/{owner}/{repo}/permissions":                                      {path: v + "/permissions"},
		"PUT /v1/vaults/{owner}/{repo}/permissions/{env}":                                {path: v + "/permissions/production", body: map[string]any{"permissions": map[string]string{"read": "admin", "write": "admin"}}},
		"DELETE /v1/vaults/{owner}/{repo}/permissions/{env}":                             {path: v + "/permissions/production"},
	} {
		matrixRows[pattern] = row
	}
	matrixSetups = append(matrixSetups, func(f *fixture) {
		e, tok := f.env, f.env.Owner.Token
		mustStatus(f, e.Do("POST", "/v1/vaults", tok, map[string]string{"repoFullName": "acme/api"}), 201)
		for _, k := range []string{"API_TOKEN", "OLD_TOKEN"} {
			mustStatus(f, e.Do("POST", vaultPath+"/secrets", tok, map[string]string{"key": k, "value": "value-of-" + k, "environment": "production"}), 201)
		}
		var list struct {
			Data []struct{ ID, Key string } `json:"data"`
		}
		e.Do("GET", vaultPath+"/secrets", tok, nil).JSON(&list)
		for _, s := range list.Data {
			f.ids[map[string]string{"API_TOKEN": "secret", "OLD_TOKEN": "trashed"}[s.Key]] = s.ID
		}
		mustStatus(f, e.Do("PATCH", vaultPath+"/secrets/"+f.ids["secret"], tok, map[string]string{"value": "second-version"}), 200)
		var versions struct {
			Data []struct{ ID string } `json:"data"`
		}
		e.Do("GET", vaultPath+"/secrets/"+f.ids["secret"]+"/versions", tok, nil).JSON(&versions)
		if len(versions.Data) > 0 {
			f.ids["version"] = versions.Data[len(versions.Data)-1].ID
		}
		mustStatus(f, e.Do("DELETE", vaultPath+"/secrets/"+f.ids["trashed"], tok, nil), 200)
	})
	orgOneViews = append(orgOneViews, vaultPath+"/secrets", vaultPath+"/trash", vaultPath+"/environments", vaultPath+"/permissions")
}

func mustStatus(f *fixture, r *apptest.Response, want int) {
	f.env.T.Helper()
	if r.Status != want {
		f.env.T.Fatalf("fixture: %s, want %d", r, want)
	}
}

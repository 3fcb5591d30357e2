package native

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// Routes adds the native surface's routes to rt.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(r httpapi.Route) {
		r.Surface = httpapi.Native
		rt.Add(r)
	}
	add(httpapi.Route{Method: "GET", Path: "/healthz", Public: true, NoRateLimit: true, Summary: "Liveness: the process serves HTTP.", Tag: "operations", Response: healthResponse{}, Handler: s.healthz})
	add(httpapi.Route{Method: "GET", Path: "/readyz", Public: true, NoRateLimit: true, Summary: "Readiness: the database answers.", Tag: "operations", Response: healthResponse{}, OtherStatuses: []int{503}, Handler: s.readyz})
	add(httpapi.Route{Method: "GET", Path: "/metrics", Public: true, NoRateLimit: true, Summary: "Prometheus metrics.", Tag: "operations", ContentType: "text/plain", Raw: s.metrics})
	add(httpapi.Route{Method: "GET", Path: "/openapi.json", Public: true, Summary: "This OpenAPI 3.1 description.", Tag: "operations", ContentType: "application/json", Raw: s.openapi})

	add(httpapi.Route{Method: "POST", Path: "/v1/projects", Summary: "Create a project.", Tag: "projects", Request: createProjectRequest{}, Status: http.StatusCreated, Response: projectResponse{}, Handler: s.createProject})
	add(httpapi.Route{Method: "GET", Path: "/v1/projects", Summary: "List projects.", Tag: "projects", Query: []string{"limit", "offset"}, Response: projectList{}, Handler: s.listProjects})
	add(httpapi.Route{Method: "GET", Path: "/v1/projects/{id}", Summary: "Get a project.", Tag: "projects", Response: projectResponse{}, Handler: s.getProject})
	add(httpapi.Route{Method: "PATCH", Path: "/v1/projects/{id}", Summary: "Update a project.", Tag: "projects", Request: updateProjectRequest{}, Response: projectResponse{}, Handler: s.updateProject})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/projects/{id}", Summary: "Delete a project and its environments.", Tag: "projects", Status: http.StatusNoContent, Handler: s.deleteProject})

	add(httpapi.Route{Method: "POST", Path: "/v1/projects/{id}/environments", Summary: "Create an environment.", Tag: "projects", Request: environmentRequest{}, Status: http.StatusCreated, Response: environmentResponse{}, Handler: s.createEnvironment})
	add(httpapi.Route{Method: "GET", Path: "/v1/projects/{id}/environments", Summary: "List a project's environments.", Tag: "projects", Query: []string{"limit", "offset"}, Response: environmentList{}, Handler: s.listEnvironments})
	add(httpapi.Route{Method: "GET", Path: "/v1/projects/{id}/environments/{env_id}", Summary: "Get an environment.", Tag: "projects", Response: environmentResponse{}, Handler: s.getEnvironment})
	add(httpapi.Route{Method: "PATCH", Path: "/v1/projects/{id}/environments/{env_id}", Summary: "Rename an environment.", Tag: "projects", Request: environmentRequest{}, Response: environmentResponse{}, Handler: s.renameEnvironment})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/projects/{id}/environments/{env_id}", Summary: "Delete an environment.", Tag: "projects", Status: http.StatusNoContent, Handler: s.deleteEnvironment})
}

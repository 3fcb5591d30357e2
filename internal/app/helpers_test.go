package app_test

import (
	"encoding/json"

	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/tenancy"
)

type configT = config.Config

func auditFilter(limit int) keyhouse.AuditFilter { return keyhouse.AuditFilter{Limit: limit} }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func tenancyParams() tenancy.BootstrapParams {
	return tenancy.BootstrapParams{AdminEmail: "owner@one.test", AdminPassword: "correct-horse-battery-staple"}
}

package app_test

import (
	"encoding/json"

	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type configT = config.Config

func auditFilter(limit int) keyhouse.AuditFilter { return keyhouse.AuditFilter{Limit: limit} }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

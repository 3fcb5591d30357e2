package app_test

import (
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type configT = config.Config

func auditFilter(limit int) keyhouse.AuditFilter { return keyhouse.AuditFilter{Limit: limit} }

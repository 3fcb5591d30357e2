package app_test

import "github.com/keyhouse-dev/keyhouse/internal/config"

type configT = config.Config

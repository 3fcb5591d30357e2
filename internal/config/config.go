// Package config holds the server's configuration: one struct with its
// defaults, bound to command-line flags, each with a KEYHOUSE_<FLAG>
// environment fallback, and checked once at start. It is parsed in run()
// and passed down; nothing reads it globally.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the configuration of `keyhouse serve` (and the commands that
// open the database directly: migrate, audit verify, rotate-master-key).
type Config struct {
	Addr            string
	DatabaseURL     string
	MasterKey       string
	MasterKeyFile   string
	OldMasterKeys   []string
	AdminEmail      string
	AdminPassword   string
	PublicURL       string
	LogLevel        string
	LogFormat       string
	RateLimit       int
	TrustedProxies  []string
	RedisURL        string
	ShutdownTimeout time.Duration
	AllowPrivateNet bool
	// DebugAddr, when set, serves net/http/pprof there (operators profiling a live server).
	DebugAddr string
}

// Default returns the defaults.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DatabaseURL:     "keyhouse.db",
		LogLevel:        "info",
		LogFormat:       "json",
		RateLimit:       600,
		ShutdownTimeout: 15 * time.Second,
	}
}

// BindServe registers the serve flags on fs, writing into c.
func (c *Config) BindServe(fs *pflag.FlagSet) {
	c.BindDatabase(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&c.AdminEmail, "admin-email", c.AdminEmail, "email of the first owner, created on an empty database")
	fs.StringVar(&c.AdminPassword, "admin-password", c.AdminPassword, "password of the first owner (prefer the environment variable); without it a one-time setup link is logged")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL users reach the server at, for setup and approval links (default http://ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or text")
	fs.IntVar(&c.RateLimit, "rate-limit", c.RateLimit, "requests per minute per credential (per IP when anonymous); 0 turns it off")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "CIDRs of reverse proxies whose X-Forwarded-For is believed")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "redis:// URL; shares rate limits across nodes")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve Go's net/http/pprof profiles on this address (keep it on loopback; default: off)")
	fs.BoolVar(&c.AllowPrivateNet, "allow-private-network", c.AllowPrivateNet, "let webhooks and the proxy reach loopback, private and link-local addresses (tests, labs)")
}

// BindDatabase registers the flags that locate the database and its keys.
func (c *Config) BindDatabase(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "SQLite file path, or postgres://… URL")
	fs.StringVar(&c.MasterKey, "master-key", c.MasterKey, "master key, [ID:]base64 of 32 bytes (prefer the environment variable); default: the key file")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", c.MasterKeyFile, "master key file, created 0600 on first start (default: keyhouse.key beside the SQLite database, or in the working directory)")
	fs.StringSliceVar(&c.OldMasterKeys, "old-master-keys", c.OldMasterKeys, "retired master keys still needed to unwrap data keys during a rotation")
}

// IsPostgres reports whether the database is PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// KeyFile is the master key file's path.
func (c *Config) KeyFile() string {
	if c.MasterKeyFile != "" {
		return c.MasterKeyFile
	}
	if c.IsPostgres() {
		return "keyhouse.key"
	}
	path := strings.TrimPrefix(strings.TrimPrefix(c.DatabaseURL, "sqlite:"), "file:")
	return filepath.Join(filepath.Dir(path), "keyhouse.key")
}

// Proxies parses TrustedProxies.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %w", c.Addr, err))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("--database-url is required"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q must be an http(s) URL", c.PublicURL))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("--log-format %q must be json or text", c.LogFormat))
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("--rate-limit must be 0 or more"))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be positive"))
	}
	return errors.Join(errs...)
}

// SecureCookies reports whether session cookies must be Secure.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

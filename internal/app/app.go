// Package app wires Keyhouse together: it opens the store, loads the
// master key and the server secrets, builds the services and the HTTP
// surfaces, and runs the server and its background jobs until the context
// ends. cmd/keyhouse (through internal/cli) is its only user.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/dashboard"
	"github.com/keyhouse-dev/keyhouse/internal/device"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi/keychains"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi/keysmith"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi/keyway"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi/native"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi/projectkeys"
	"github.com/keyhouse-dev/keyhouse/internal/jobs"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
	"github.com/keyhouse-dev/keyhouse/internal/ratelimit"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/tenancy"
)

// Version is the server's version, set at build time with -ldflags.
var Version = "dev"

// App is a wired Keyhouse server.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	Store   *sqlstore.DB
	Keyring *crypto.Keyring
	Auth    *auth.Service
	Tenancy *tenancy.Service
	Audit   *audit.Service
	Keys    *keys.Service
	Secrets *secrets.Service
	Router  *httpapi.Router
	Handler http.Handler
	Clock   keyhouse.Clock
	// Jobs run in the background while the server serves.
	Jobs *jobs.Runner
	// OnShutdown runs, in order, after the HTTP server has stopped taking
	// requests and every in-flight one has finished (flush buffers here).
	OnShutdown []func(ctx context.Context) error
}

// Options are the parts tests replace.
type Options struct {
	Clock          keyhouse.Clock
	PasswordParams *crypto.PasswordParams
}

// NewLogger builds the slog logger the configuration asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// OpenStore opens and migrates the database.
func OpenStore(ctx context.Context, cfg config.Config, clock keyhouse.Clock) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL, clock)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// LoadKeyring reads the master key (flag, environment or key file) and any
// retired ones.
func LoadKeyring(cfg config.Config, log *slog.Logger) (*crypto.Keyring, error) {
	var primary crypto.MasterKey
	var err error
	if cfg.MasterKey != "" {
		if primary, err = crypto.ParseMasterKey(cfg.MasterKey); err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
	} else {
		var created bool
		primary, created, err = crypto.LoadOrCreateKeyFile(cfg.KeyFile(), nil)
		if err != nil {
			return nil, err
		}
		if created {
			log.Warn("created a new master key file; back it up: without it no secret can be decrypted", "path", cfg.KeyFile(), "master_key_id", primary.ID)
		}
	}
	var old []crypto.MasterKey
	for _, s := range cfg.OldMasterKeys {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		mk, err := crypto.ParseMasterKey(s)
		if err != nil {
			return nil, fmt.Errorf("old master key: %w", err)
		}
		old = append(old, mk)
	}
	return crypto.NewKeyring(primary, old...)
}

// New opens everything and wires the server; Close releases it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, o Options) (_ *App, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	clock := o.Clock
	if clock == nil {
		clock = keyhouse.SystemClock{}
	}
	a := &App{Config: cfg, Log: log, Clock: clock}
	if a.Keyring, err = LoadKeyring(cfg, log); err != nil {
		return nil, err
	}
	if a.Store, err = OpenStore(ctx, cfg, clock); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.Store.Close()
		}
	}()
	pepper, err := loadPepper(ctx, a.Store, a.Keyring)
	if err != nil {
		return nil, err
	}
	hasher, err := crypto.NewHasher(pepper)
	if err != nil {
		return nil, err
	}
	a.Auth = auth.NewService(a.Store, hasher, auth.Options{Clock: clock, Logger: log, PasswordParams: o.PasswordParams})
	a.Tenancy = tenancy.NewService(a.Store, a.Auth, log)
	a.Audit = audit.NewService(a.Store)
	if a.Secrets, err = secrets.NewService(a.Store, secrets.ConfigKeys(cfg.MasterKey, cfg.KeyFile(), cfg.OldMasterKeys), secrets.Options{Clock: clock, Logger: log}); err != nil {
		return nil, err
	}

	if err := a.bootstrap(ctx); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpapi.NewMetrics(reg)
	proxies, _ := cfg.Proxies()

	a.Jobs = jobs.NewRunner(log)
	a.Router = httpapi.NewRouter(log)
	// Surfaces: each adds its routes. Keep one line per surface.
	native.New(log, a.Tenancy, a.Store, metrics.Handler(), a.Router.OpenAPIHandler(Version)).Routes(a.Router)
	keyway.New(log, a.Auth, cfg.SecureCookies()).WithSecrets(a.Secrets, device.NewService(a.Store, a.Auth, clock), cfg.PublicURL).Routes(a.Router)
	dashboard.New().Routes(a.Router)
	a.Jobs.Add(jobs.NewRetention(a.Secrets))
	keychains.New(log, a.Auth, a.Audit).Routes(a.Router)
	a.Keys = keys.NewService(a.Store, hasher, keys.Options{Clock: clock, Logger: log, Sealer: a.Secrets.MasterSealer(), AllowPrivateNet: cfg.AllowPrivateNet})
	keysmith.New(log, a.Keys).Routes(a.Router)
	projectkeys.New(log, a.Keys).Routes(a.Router)
	a.Jobs.Add(jobs.NewRotation(a.Keys))
	a.Jobs.Add(jobs.NewCacheFeed(a.Keys))
	a.OnShutdown = append(a.OnShutdown, a.Keys.Close)

	var limiter ratelimit.Limiter
	if cfg.RedisURL != "" && cfg.RateLimit > 0 {
		if limiter, err = ratelimit.NewRedis(ctx, cfg.RedisURL, "keyhouse:rl:", cfg.RateLimit, time.Minute); err != nil {
			return nil, err
		}
	}
	a.Handler = httpapi.Chain(httpapi.Config{
		Logger: log, Auth: a.Auth, Metrics: metrics, TrustedProxies: proxies, RateLimit: cfg.RateLimit, Limiter: limiter, Clock: clock,
	}, a.Router)
	return a, nil
}

func (a *App) bootstrap(ctx context.Context) error {
	res, err := a.Tenancy.Bootstrap(ctx, tenancy.BootstrapParams{AdminEmail: a.Config.AdminEmail, AdminPassword: a.Config.AdminPassword})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !res.Created {
		return nil
	}
	a.Log.Info("created organization, project default (live, test) and owner", "org_id", res.Org.ID, "owner", res.Owner.Email)
	if res.SetupToken != "" {
		// The one place a credential is logged, by design: an operator
		// without KEYHOUSE_ADMIN_PASSWORD needs this link to sign in. It
		// works once and expires in 24 hours.
		a.Log.Warn("no admin password was given: open this one-time link to set the owner's password",
			"setup_url", a.publicURL()+"/setup?token="+res.SetupToken, "owner", res.Owner.Email)
	}
	return nil
}

func (a *App) publicURL() string {
	if a.Config.PublicURL != "" {
		return strings.TrimSuffix(a.Config.PublicURL, "/")
	}
	return "http://" + a.Config.Addr
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// Serve listens on the configured address and serves until ctx ends, then
// shuts down gracefully: the listener closes, in-flight requests get
// ShutdownTimeout to finish, background work stops, and the database is
// closed by the caller's Close.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	return a.ServeListener(ctx, ln)
}

// serveDebug serves net/http/pprof on Config.DebugAddr, apart from the
// API: profiles reveal internals and cost CPU, so they never share the
// public listener.
func (a *App) serveDebug(ctx context.Context) (*http.Server, error) {
	ln, err := net.Listen("tcp", a.Config.DebugAddr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	a.Log.Warn("serving profiles", "addr", ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

// ServeListener is Serve on an existing listener.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	a.Config.Addr = ln.Addr().String()
	a.Log.Info("listening", "addr", ln.Addr().String(), "database", a.Store.Dialect(), "version", Version)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if a.Config.DebugAddr != "" {
		dbg, err := a.serveDebug(gctx)
		if err != nil {
			srv.Close()
			return err
		}
		defer dbg.Close()
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		_ = a.Jobs.Run(jobsCtx)
	}()
	g.Go(func() error {
		<-gctx.Done()
		a.Log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		// Requests are done: stop the jobs, then flush what the requests
		// buffered (usage records), before the caller closes the database.
		stopJobs()
		<-jobsDone
		for _, fn := range a.OnShutdown {
			if ferr := fn(sctx); ferr != nil {
				a.Log.Error("shutdown hook", "err", ferr)
			}
		}
		return err
	})
	err := g.Wait()
	stopJobs()
	a.Log.Info("stopped")
	return err
}

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/client"
)

// credentials is what `keyhouse login` stores, 0600, in the user's config
// directory.
type credentials struct {
	Server string `json:"server"`
	Token  string `json:"token"`
	Email  string `json:"email,omitempty"`
}

// configDir is $KEYHOUSE_CONFIG_DIR, else $XDG_CONFIG_HOME/keyhouse, else
// ~/.config/keyhouse (os.UserConfigDir's rule, read through getenv so tests
// can point it elsewhere).
func configDir(getenv func(string) string) (string, error) {
	if d := getenv("KEYHOUSE_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "keyhouse"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "keyhouse"), nil
	}
	return "", errors.New("cannot find a config directory: set HOME or KEYHOUSE_CONFIG_DIR")
}

func credentialsPath(getenv func(string) string) (string, error) {
	d, err := configDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "credentials.json"), nil
}

func loadCredentials(getenv func(string) string) (*credentials, error) {
	p, err := credentialsPath(getenv)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &credentials{}, nil
	}
	if err != nil {
		return nil, err
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return &c, nil
}

// saveCredentials writes the token file with mode 0600 (its directory 0700),
// replacing it atomically.
func saveCredentials(getenv func(string) string, c *credentials) (string, error) {
	p, err := credentialsPath(getenv)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// clientFlags are the flags every client command has.
type clientFlags struct {
	server string
	token  string
	json   bool
}

func (f *clientFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", "", "Keyhouse server URL (default: the one you logged in to, else http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&f.token, "token", "", "credential to use instead of the stored CLI token (a kc_ management key, for instance)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON for scripts instead of a table")
}

// client builds an SDK client from flags, environment and stored credentials.
func (f *clientFlags) client(env *Env) (*client.Client, error) {
	creds, err := loadCredentials(env.Getenv)
	if err != nil {
		return nil, err
	}
	server, token := f.server, f.token
	if server == "" {
		server = creds.Server
	}
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	if token == "" && (f.server == "" || f.server == creds.Server) {
		token = creds.Token
	}
	return client.New(server, token), nil
}

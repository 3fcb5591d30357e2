package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
)

// ExitError carries a child process's exit status out of `keyhouse run`,
// so main can exit with it.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("command exited with status %d", e.Code) }

func newRunCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use:   "run [--env NAME] -- CMD [ARGS…]",
		Short: "Run a command with an environment's secrets in its environment",
		Long: `Pulls the environment's secrets and starts CMD with them added to the
current environment (a secret wins over a variable of the same name).
SIGINT and SIGTERM are passed to CMD, and keyhouse exits with CMD's status.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			content, err := c.Pull(cmd.Context(), vault, f.env)
			if err != nil {
				return err
			}
			entries, err := dotenv.Parse(strings.NewReader(content))
			if err != nil {
				return err
			}
			return runWith(env, entries, args)
		},
	}
	f.bind(cmd)
	return cmd
}

func runWith(env *Env, entries []dotenv.Entry, args []string) error {
	child := exec.Command(args[0], args[1:]...)
	child.Stdin, child.Stdout, child.Stderr = env.Stdin, env.Stdout, env.Stderr
	child.Env = os.Environ()
	for _, e := range entries {
		child.Env = append(child.Env, e.Key+"="+e.Value)
	}
	// Catch the signals before starting, so none is lost in between; the
	// child decides what they mean, and we wait for it either way.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	for {
		select {
		case s := <-sigs:
			_ = child.Process.Signal(s)
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code := ee.ExitCode()
				if code < 0 {
					code = 128 + int(signalOf(ee))
				}
				return &ExitError{Code: code}
			}
			return err
		}
	}
}

func signalOf(ee *exec.ExitError) syscall.Signal {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 1
}

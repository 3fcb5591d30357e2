// Command keyhouse is the Keyhouse server and its command-line client.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/keyhouse-dev/keyhouse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	// `keyhouse run` exits with its child's status.
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.Code)
	}
	if err != nil {
		os.Exit(1)
	}
}

// run is main with its environment passed in, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := cli.Run(ctx, args, getenv, stdin, stdout, stderr)
	var ee *cli.ExitError
	if err != nil && err != cli.ErrAuditBroken && !errors.As(err, &ee) {
		fmt.Fprintf(stderr, "keyhouse: %v\n", err)
	}
	return err
}

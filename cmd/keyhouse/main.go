// Command keyhouse is the Keyhouse server and its command-line client.
package main

import (
	"context"
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
	if err != nil {
		os.Exit(1)
	}
}

// run is main with its environment passed in, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := cli.Run(ctx, args, getenv, stdin, stdout, stderr)
	if err != nil && err != cli.ErrAuditBroken {
		fmt.Fprintf(stderr, "keyhouse: %v\n", err)
	}
	return err
}

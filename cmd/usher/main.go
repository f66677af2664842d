// Command usher is a self-hosted identity server for invitation-based
// enrollment, compatible with authentik. Run "usher help" for commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/usher-id/usher/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

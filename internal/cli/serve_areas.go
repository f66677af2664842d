package cli

import (
	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/server"
)

// areas lists the HTTP areas usher serves, in mount order. The server
// itself always mounts /-/health/live/, /-/health/ready/ and /metrics;
// add each area here (for example api.New(a), flow.New(a), web.New(a)).
func areas(a *app.App) []server.Area {
	_ = a
	return []server.Area{}
}

package boot

import (
	"fmt"
	"maps"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/http/api"
	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/http/flowpage"
	"github.com/usher-id/usher/internal/http/oidc"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/policy"

	_ "github.com/usher-id/usher/internal/flow/stage/all" // registers every stage kind
)

// Server builds the whole HTTP side of usher from the app: every area
// (REST API, executor API, flow pages, console, brand assets) behind the
// server middleware. opts carries the settings that come from
// configuration; each area's own body limits (blueprint uploads) are added
// here, so no caller has to know the upload paths.
func Server(a *app.App, opts server.Options) (*server.Server, error) {
	engine := policy.NewEngine(a)
	admin, err := console.New(a)
	if err != nil {
		return nil, fmt.Errorf("admin console templates: %w", err)
	}
	// One executor serves the JSON API and the pages, so they share one
	// flow configuration cache.
	exec := flow.NewExecutor(a, engine)
	rest := api.New(a)
	limits := map[string]int64{}
	maps.Copy(limits, rest.BodyLimits())
	maps.Copy(limits, admin.BodyLimits())
	maps.Copy(limits, opts.BodyLimits) // a caller's own limits win
	opts.BodyLimits = limits
	provider, err := oidc.New(a, engine, exec)
	if err != nil {
		return nil, fmt.Errorf("openid provider: %w", err)
	}
	return server.New(a, opts,
		rest,
		&flow.Handler{Exec: exec},
		&flowpage.Handler{Exec: exec},
		admin,
		brand.Assets{},
		provider,
	), nil
}

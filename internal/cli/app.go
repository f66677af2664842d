package cli

import (
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X
// github.com/usher-id/usher/internal/cli.Version=v1.2.3"; otherwise it
// comes from the module build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}

package resource

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Choices of the user login stage (authentik's stages/user_login/stage.py).
var (
	NetworkBindings = []string{"no_binding", "bind_asn", "bind_asn_network", "bind_asn_network_ip"}
	GeoIPBindings   = []string{"no_binding", "bind_continent", "bind_continent_country", "bind_continent_country_city"}
)

// UserLoginStages is authentik's stages.user_login.UserLoginStage.
var UserLoginStages = stageModel(stageSpec{
	kind: store.StageUserLogin, model: store.ModelUserLoginStage,
	component: "ak-stage-user-login-form", verbose: "User Login Stage", plural: "User Login Stages",
	fields: []string{"session_duration", "terminate_other_sessions", "remember_me_offset", "network_binding",
		"geoip_binding", "remember_device"},
	read: func(in *input, s *store.Stage) {
		l := s.UserLogin
		in.duration("session_duration", &l.SessionDuration)
		in.duration("remember_me_offset", &l.RememberMeOffset)
		in.duration("remember_device", &l.RememberDevice)
		in.boolean("terminate_other_sessions", &l.TerminateOtherSessions)
		in.choice("network_binding", &l.NetworkBinding, false, NetworkBindings...)
		in.choice("geoip_binding", &l.GeoipBinding, false, GeoIPBindings...)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		l := s.UserLogin
		m["session_duration"] = l.SessionDuration
		m["terminate_other_sessions"] = l.TerminateOtherSessions
		m["remember_me_offset"] = l.RememberMeOffset
		m["network_binding"] = l.NetworkBinding
		m["geoip_binding"] = l.GeoipBinding
		m["remember_device"] = l.RememberDevice
	},
})

// duration reads authentik's "hours=3;minutes=1" timedelta strings.
func (in *input) duration(key string, dst *string) {
	var s string
	if !in.str(key, &s, strOpt{}) {
		return
	}
	if _, err := ParseTimedelta(s); errors.Is(err, errTooLong) {
		in.fail(key, err.Error())
		return
	} else if err != nil {
		in.fail(key, fmt.Sprintf("%s is not in the correct format of 'hours=3;minutes=1'.", s))
		return
	}
	*dst = s
}

var errTooLong = errors.New("is too long: a duration holds at most about 292 years (e.g. weeks=15000)")

var timedeltaUnits = map[string]time.Duration{
	"microseconds": time.Microsecond, "milliseconds": time.Millisecond, "seconds": time.Second,
	"minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// ParseTimedelta reads "key=value;..." with keys microseconds ... weeks;
// unknown keys are ignored, and at least one known key is required.
func ParseTimedelta(s string) (time.Duration, error) {
	var d time.Duration
	found := false
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		unit, known := timedeltaUnits[strings.TrimSpace(k)]
		if !known {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) {
			return 0, fmt.Errorf("invalid value %q for %s", v, k)
		}
		// A float beyond time.Duration's ~292 years converts to an
		// arbitrary integer, and a sum can wrap: refuse both rather than
		// store a duration that means something else.
		dur := n * float64(unit)
		if math.Abs(dur) >= 1<<63 || math.Abs(float64(d)+dur) >= 1<<63 {
			return 0, fmt.Errorf("%s %w", strings.TrimSpace(s), errTooLong)
		}
		d += time.Duration(dur)
		found = true
	}
	if !found {
		return 0, fmt.Errorf("no valid keys in %q", s)
	}
	return d, nil
}

package authvalidate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// CookieName is authentik's MFA cookie: after a second factor passes on a
// stage with last_auth_threshold, it lets this browser skip the stage for
// that long (authentik's COOKIE_NAME_MFA).
const CookieName = "authentik_mfa"

// cookieKey is the signing key for one stage (authentik signs with
// sha256(SECRET_KEY:stage pk)), so a cookie for one stage is worthless on
// another.
func cookieKey(secret []byte, stageUUID string) []byte {
	s := sha256.Sum256(append(append([]byte{}, secret...), ":"+strings.ReplaceAll(stageUUID, "-", "")...))
	return s[:]
}

func sign(secret []byte, stageUUID, payload string) string {
	m := hmac.New(sha256.New, cookieKey(secret, stageUUID))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setCookie remembers that device passed the current stage, until the
// stage's threshold is over.
func setCookie(ex *flow.Execution, device int64, threshold time.Duration) {
	exp := ex.Now().Add(threshold)
	payload := fmt.Sprintf("%s.%d.%d", strings.ReplaceAll(ex.Stage.UUID, "-", ""), device, exp.Unix())
	http.SetCookie(ex.W, &http.Cookie{Name: CookieName, Value: payload + "." + sign(ex.App.Secret, ex.Stage.UUID, payload),
		Path: "/", Expires: exp, HttpOnly: true, Secure: httpx.Secure(ex.R), SameSite: http.SameSiteLaxMode})
}

// cookieValid reports whether the request carries a cookie for this stage
// and one of devices (the user's allowed devices) that has not expired and
// does not outlast the stage's current threshold (it may have been
// shortened since).
func cookieValid(ex *flow.Execution, devices []store.Device, threshold time.Duration) bool {
	ck, err := ex.R.Cookie(CookieName)
	if err != nil {
		return false
	}
	i := strings.LastIndex(ck.Value, ".")
	if i < 0 {
		return false
	}
	payload, mac := ck.Value[:i], ck.Value[i+1:]
	if !hmac.Equal([]byte(mac), []byte(sign(ex.App.Secret, ex.Stage.UUID, payload))) {
		return false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != strings.ReplaceAll(ex.Stage.UUID, "-", "") {
		return false
	}
	dev, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || ex.Now().Unix() >= exp || exp > ex.Now().Add(threshold).Unix() {
		return false
	}
	for _, d := range devices {
		if d.PK == dev {
			return true
		}
	}
	return false
}

package mfa

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// UseEmail redeems a code emailed to one of the user's email devices: the
// UPDATE that clears the matching, unexpired code is the one use.
func UseEmail(ctx context.Context, q store.Queries, userPK int64, code string, now time.Time) (*store.Device, error) {
	devs, err := q.ListDevices(ctx, userPK, store.DeviceEmail)
	if err != nil {
		return nil, err
	}
	h := HashToken(code)
	for i := range devs {
		ok, err := q.UseEmailToken(ctx, devs[i].PK, h, now)
		if err != nil {
			return nil, err
		}
		if ok {
			return &devs[i], nil
		}
	}
	return nil, nil
}

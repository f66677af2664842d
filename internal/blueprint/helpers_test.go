package blueprint

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// newTestApp returns an app on a fresh, migrated SQLite database.
func newTestApp(t testing.TB) *app.App {
	t.Helper()
	return &app.App{Store: storetest.OpenSQLite(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BlueprintsDir: t.TempDir(),
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
}

// test.thing is a model for importer tests that does not depend on the real
// kinds: a row per name, kept in the settings table so that it takes part
// in transactions. Fields: name (identifier), value (string; "bad" is
// invalid), count (int), ref (a pk of another thing, must exist).
type thing struct {
	Name  string  `json:"name"`
	Value string  `json:"value"`
	Count float64 `json:"count"`
	Ref   string  `json:"ref,omitempty"`
}

const thingPrefix = "test.thing:"

func init() {
	resource.Register(&resource.Kind{
		Model: "test.thing",
		Find: func(c *resource.Ctx, ids map[string]any) (resource.Object, error) {
			if pk, ok := ids["pk"].(string); ok {
				if th, err := getThing(c, strings.TrimPrefix(pk, "thing-")); err == nil {
					return th, nil
				}
			}
			for k := range ids {
				if k != "pk" && k != "name" {
					return nil, resource.NewValidationError(k, "no such field")
				}
			}
			name, ok := ids["name"].(string)
			if !ok {
				return nil, store.ErrNotFound
			}
			return getThing(c, name)
		},
		Save: func(c *resource.Ctx, existing resource.Object, data map[string]any) (resource.Object, error) {
			th := thing{}
			if existing != nil {
				th = existing.(thing)
			}
			v := &resource.ValidationError{}
			for k, val := range data {
				switch k {
				case "name":
					th.Name, _ = val.(string)
				case "value":
					s, ok := val.(string)
					if !ok || s == "bad" {
						v.Add("value", strings.TrimSpace(`"`+s+`" is not a valid choice.`))
					}
					th.Value = s
				case "count":
					f, ok := val.(float64)
					if !ok {
						v.Add("count", "A valid integer is required.")
					}
					th.Count = f
				case "ref":
					s, _ := val.(string)
					if _, err := getThing(c, strings.TrimPrefix(s, "thing-")); err != nil {
						v.Add("ref", `Invalid pk "`+s+`" - object does not exist.`)
					}
					th.Ref = s
				case "pk":
				default:
					v.Add(k, "Unknown field.")
				}
			}
			if th.Name == "" {
				v.Add("name", "This field is required.")
			}
			if err := v.Err(); err != nil {
				return nil, err
			}
			b, _ := json.Marshal(th)
			return th, c.Q.SetSetting(context.Background(), thingPrefix+th.Name, string(b))
		},
		Delete: func(c *resource.Ctx, obj resource.Object) error {
			return c.Q.SetSetting(context.Background(), thingPrefix+obj.(thing).Name, "")
		},
		Serialize: func(c *resource.Ctx, obj resource.Object) (map[string]any, error) {
			th := obj.(thing)
			return map[string]any{"pk": "thing-" + th.Name, "name": th.Name, "value": th.Value, "count": th.Count, "ref": th.Ref}, nil
		},
		PK: func(obj resource.Object) any { return "thing-" + obj.(thing).Name },
	})
}

func getThing(c *resource.Ctx, name string) (thing, error) {
	s, err := c.Q.GetSetting(context.Background(), thingPrefix+name)
	if err != nil {
		return thing{}, err
	}
	if s == "" {
		return thing{}, store.ErrNotFound
	}
	var th thing
	err = json.Unmarshal([]byte(s), &th)
	return th, err
}

// things returns every stored test.thing by name.
func things(t testing.TB, a *app.App, names ...string) map[string]thing {
	t.Helper()
	out := map[string]thing{}
	c := &resource.Ctx{Q: a.Store}
	for _, n := range names {
		th, err := getThing(c, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[n] = th
	}
	return out
}

func mustParse(t testing.TB, src string) *Blueprint {
	t.Helper()
	bp, err := Parse([]byte(src), "test.yaml")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	return bp
}

package invitation

import (
	"reflect"
	"testing"
)

func TestDeepMerge(t *testing.T) {
	cases := []struct {
		name       string
		base, over map[string]any
		want       map[string]any
	}{
		{"empty", nil, nil, map[string]any{}},
		{"fixed wins for scalars", map[string]any{"email": "a@x", "name": "A"}, map[string]any{"email": "b@x"},
			map[string]any{"email": "b@x", "name": "A"}},
		{"nested objects merge", map[string]any{"attributes": map[string]any{"a": 1.0}},
			map[string]any{"attributes": map[string]any{"b": 2.0}},
			map[string]any{"attributes": map[string]any{"a": 1.0, "b": 2.0}}},
		{"lists concatenate", map[string]any{"l": []any{"x"}}, map[string]any{"l": []any{"y"}},
			map[string]any{"l": []any{"x", "y"}}},
	}
	for _, c := range cases {
		if got := DeepMerge(c.base, c.over); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	base := map[string]any{"attributes": map[string]any{"a": 1.0}}
	DeepMerge(base, map[string]any{"attributes": map[string]any{"b": 2.0}})
	if len(base["attributes"].(map[string]any)) != 1 {
		t.Error("DeepMerge modified its input")
	}
}

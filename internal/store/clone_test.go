package store

import (
	"reflect"
	"testing"
)

// Every field a clone reaches is changed; the original must not see any
// of it. fill sets every field (all settings kinds of a stage), so a field
// added later without a line in Clone fails here.
func TestCloneSharesNothing(t *testing.T) {
	cases := []struct {
		name  string
		clone func(v any) any
		value func() any
	}{
		{"Stage", func(v any) any { c := v.(*Stage).Clone(); return &c }, func() any { return new(Stage) }},
		{"PolicyBinding", func(v any) any { c := v.(*PolicyBinding).Clone(); return &c }, func() any { return new(PolicyBinding) }},
		{"Brand", func(v any) any { c := v.(*Brand).Clone(); return &c }, func() any { return new(Brand) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig, want := tc.value(), tc.value()
			fill(reflect.ValueOf(orig).Elem())
			fill(reflect.ValueOf(want).Elem())
			c := tc.clone(orig)
			if !reflect.DeepEqual(c, orig) {
				t.Fatalf("clone differs from the original:\n%+v\n%+v", c, orig)
			}
			mutate(reflect.ValueOf(c).Elem())
			if reflect.DeepEqual(c, orig) {
				t.Fatal("mutate changed nothing: the test cannot fail")
			}
			if !reflect.DeepEqual(orig, want) {
				t.Errorf("changing the clone changed the original:\n got %+v\nwant %+v", orig, want)
			}
		})
	}
}

func TestCloneKeepsNil(t *testing.T) {
	s, _ := NewStage(StageUserWrite, "w")
	if c := s.Clone(); c.Prompt != nil || c.UserWrite == nil || c.UserWrite.CreateUsersGroup != nil {
		t.Errorf("clone of a user write stage = %+v", c)
	}
	if c := (Brand{}).Clone(); c.Attributes != nil || c.FlowAuthentication != nil {
		t.Errorf("clone of an empty brand = %+v", c)
	}
}

// fill sets every field reachable from v to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.ValueOf(map[string]any{"k": map[string]any{"n": []any{"v"}}}))
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// mutate changes every value reachable from v in place.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			mutate(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			cp := reflect.New(v.Type().Elem()).Elem()
			cp.Set(v.MapIndex(k))
			mutate(cp)
			v.SetMapIndex(k, cp)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		cp := reflect.New(v.Elem().Type()).Elem()
		cp.Set(v.Elem())
		mutate(cp)
		v.Set(cp)
	}
}

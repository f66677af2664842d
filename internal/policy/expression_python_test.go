package policy

import (
	"errors"
	"strings"
	"testing"
)

// Python constructs Starlark lacks are refused with a message that names
// the construct, at the line that uses it, instead of the parser's
// "got import, want primary expression".
func TestPythonConstructMessages(t *testing.T) {
	cases := []struct {
		src  string
		line int
		want string
	}{
		{"import re\nreturn True", 1, "no import statement"},
		{"from authentik.core.models import User\nreturn True", 1, "no import statement"},
		{"x = 1\ntry:\n    y = request.user\nexcept Exception:\n    return False\nreturn True", 2, "no try/except"},
		{"raise ValueError('no')", 1, "no raise"},
		{"class A:\n    pass\nreturn True", 1, "no classes"},
		{"return User.objects.filter(username='x').exists()", 1, "Django ORM calls"},
		{"# User.objects.all() in a comment is fine\nreturn True", 0, ""},
		{"return 'User.objects.all()' != ''", 0, ""},
	}
	for _, c := range cases {
		err := Compile(c.src)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.src, err)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != c.line || !strings.Contains(se.Msg, c.want) {
			t.Errorf("%q: got %v, want line %d with %q", c.src, err, c.line, c.want)
		}
	}
}

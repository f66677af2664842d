package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// pyFormat is Python's "format % tuple(args)" for the conversions blueprints
// use: %s %r %d %i %u %f %e %g %x %o %c and %%, with flags, width and
// precision.
func pyFormat(format string, args []any) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		start := i
		i++
		if i < len(format) && format[i] == '(' {
			return "", errors.New("format requires a mapping")
		}
		spec := "%"
		for i < len(format) && strings.IndexByte("#0- +", format[i]) >= 0 {
			spec += string(format[i])
			i++
		}
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			spec += string(format[i])
			i++
		}
		hasPrec := false
		if i < len(format) && format[i] == '.' {
			hasPrec = true
			spec += "."
			i++
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				spec += string(format[i])
				i++
			}
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", errors.New("incomplete format")
		}
		conv := format[i]
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		if next >= len(args) {
			return "", errors.New("not enough arguments for format string")
		}
		arg := args[next]
		next++
		out, err := formatOne(spec, hasPrec, conv, arg, start)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	if next < len(args) {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

func formatOne(spec string, hasPrec bool, conv byte, arg any, at int) (string, error) {
	switch conv {
	case 's':
		return fmt.Sprintf(spec+"s", pyStr(arg)), nil
	case 'r', 'a':
		return fmt.Sprintf(spec+"s", pyRepr(arg)), nil
	case 'd', 'i', 'u':
		switch v := arg.(type) {
		case int64:
			return fmt.Sprintf(spec+"d", v), nil
		case float64:
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return "", fmt.Errorf("cannot convert float %s to integer", pyFloat(v))
			}
			return fmt.Sprintf(spec+"d", int64(v)), nil
		case bool:
			return fmt.Sprintf(spec+"d", boolInt(v)), nil
		}
		return "", fmt.Errorf("%%%c format: a real number is required, not %s", conv, typeName(arg))
	case 'f', 'F', 'e', 'E', 'g', 'G':
		var f float64
		switch v := arg.(type) {
		case int64:
			f = float64(v)
		case float64:
			f = v
		case bool:
			f = float64(boolInt(v))
		default:
			return "", fmt.Errorf("must be real number, not %s", typeName(arg))
		}
		if !hasPrec {
			spec += ".6"
		}
		return fmt.Sprintf(spec+string(conv), f), nil
	case 'x', 'X', 'o':
		switch v := arg.(type) {
		case int64:
			return fmt.Sprintf(spec+string(conv), v), nil
		case bool:
			return fmt.Sprintf(spec+string(conv), boolInt(v)), nil
		}
		return "", fmt.Errorf("%%%c format: an integer is required, not %s", conv, typeName(arg))
	case 'c':
		switch v := arg.(type) {
		case int64:
			if v < 0 || v > 0x10ffff {
				return "", errors.New("%c arg not in range(0x110000)")
			}
			return fmt.Sprintf(spec+"c", rune(v)), nil
		case string:
			if len([]rune(v)) == 1 {
				return fmt.Sprintf(spec+"s", v), nil
			}
		}
		return "", errors.New("%c requires int or char")
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", conv, conv, at+len(spec))
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// parseJSONOrdered decodes JSON keeping object key order and integers.
func parseJSONOrdered(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("extra data after the JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 10000 {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of JSON input")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newOmap(0)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			out := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return out, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	case json.Number:
		return fromPlain(t), nil
	}
	return tok, nil
}

// jsonEqual compares two plain values as their JSON encodings.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

package resource

import (
	"github.com/usher-id/usher/internal/fieldrule"
)

// checkText applies fieldrule's text rule to everything a Save or Find
// receives: every string, at any depth (attributes, fixed_data, context),
// and every key. It runs before a model sees the data, so a model added
// later is covered without doing anything: PostgreSQL refuses NUL and
// invalid UTF-8 in text and jsonb, and the request would otherwise end in
// a database error (a 500) instead of a message naming the field.
func checkText(data map[string]any) error {
	var v ValidationError
	for k, val := range data {
		if fieldrule.Text(k) != "" {
			v.Add("non_field_errors", "A field name is not valid text: "+fieldrule.MsgText)
			continue
		}
		if path, ok := fieldrule.FirstBadText(val); !ok {
			msg := fieldrule.MsgText
			if path != "" {
				msg = "The value at " + path + ": " + msg
			}
			v.Add(k, msg)
		}
	}
	return v.Err()
}

// guardText wraps a kind's Save and Find with checkText.
func guardText(k *Kind) {
	if save := k.Save; save != nil {
		k.Save = func(c *Ctx, existing Object, data map[string]any) (Object, error) {
			if err := checkText(data); err != nil {
				return nil, err
			}
			return save(c, existing, data)
		}
	}
	if find := k.Find; find != nil {
		k.Find = func(c *Ctx, ids map[string]any) (Object, error) {
			if err := checkText(ids); err != nil {
				return nil, err
			}
			return find(c, ids)
		}
	}
}

package flow

import (
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/fieldrule"
)

// badAnswerText returns response errors for every answer key whose value
// (at any depth) or name is not text the stores can keep: a NUL or bytes
// that are not UTF-8. Both front-ends' answers (the JSON executor's body
// and the pages' forms) pass through the executor, so this is the one
// place the rule is applied to them. Such an answer never reaches a
// stage: PostgreSQL would refuse it (a flow error, uncounted by the rate
// limits), and a stage could otherwise store it in a user or an event.
func badAnswerText(data map[string]any) Errors {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs Errors
	for _, k := range keys {
		field := k
		if fieldrule.Text(k) != "" {
			field = NonField
		} else if _, ok := fieldrule.FirstBadText(data[k]); ok {
			continue
		}
		if errs == nil {
			errs = Errors{}
		}
		errs.Add(field, fieldrule.MsgText, "invalid")
	}
	return errs
}

// cleanQuery drops the parameters of the wrapped query string whose name
// or value is not storable text; the query is kept in the session and in
// every event's http_request, and PostgreSQL refuses NUL there. The query
// is returned unchanged when every parameter is fine.
func cleanQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	dirty := fieldrule.Text(raw) != ""
	for k, vs := range q {
		bad := fieldrule.Text(k) != ""
		for _, v := range vs {
			bad = bad || fieldrule.Text(v) != ""
		}
		if bad {
			delete(q, k)
			dirty = true
		}
	}
	if !dirty {
		return raw
	}
	return q.Encode()
}

// refuseAnswer shows the stage's challenge again with errs, as an answer
// the stage rejected (so the rate limits count it). A stage that asks
// nothing (its GET does not challenge) takes no answer: its own response
// stands.
func refuseAnswer(get Response, errs Errors) Response {
	if get.kind != respChallenge {
		return get
	}
	for k, v := range get.errors {
		errs[k] = append(v, errs[k]...)
	}
	return AskAgain(get.challenge, errs)
}

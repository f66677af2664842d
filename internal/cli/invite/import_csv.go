package invite

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// ImportOptions apply to every row of a CSV import.
type ImportOptions struct {
	FlowSlug string // required
	Creator  *store.User
	Expires  string   // as Params.Expires
	MaxUses  int      // 0 = unlimited
	Send     bool     // enqueue the invitation email for each row
	Groups   []string // names or pks every row's invitee joins (plus the row's groups column)
	BaseURL  string
}

// RowError is one bad row; Row counts lines as a spreadsheet does (the
// header is row 1).
type RowError struct {
	Row int
	Msg string
}

func (e RowError) String() string { return fmt.Sprintf("row %d: %s", e.Row, e.Msg) }

// ImportError lists every bad row; nothing was imported.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	const show = 50
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad row(s), nothing was imported:", len(e.Rows))
	for i, r := range e.Rows {
		if i == show {
			fmt.Fprintf(&b, "\n... and %d more", len(e.Rows)-show)
			break
		}
		b.WriteString("\n" + r.String())
	}
	return b.String()
}

// FixedDataPrefix marks a column for fixed data explicitly, so that
// "fixed_data.name" pre-fills the user's name while "name" names the
// invitation.
const FixedDataPrefix = "fixed_data."

// GroupsColumn lists the groups a row's invitee joins ("staff;vpn").
const GroupsColumn = "groups"

// ImportCSV creates one invitation per row of r, all in one transaction:
// column "email" (required) binds the invitation to the address, "name"
// names it (default: a slug of the email), and every other column goes
// into fixed_data (empty cells are left out), except "groups": group
// names or pks separated by ";" that the invitee joins. If any row is bad, every bad
// row is reported in an *ImportError and nothing is created.
func ImportCSV(ctx context.Context, a *app.App, r io.Reader, o ImportOptions) ([]store.Invitation, error) {
	if o.FlowSlug == "" {
		return nil, resource.NewValidationError("flow", msgRequired)
	}
	flow, err := a.Store.GetFlowBySlug(ctx, o.FlowSlug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, resource.NewValidationError("flow", fmt.Sprintf("no flow with slug %q", o.FlowSlug))
	}
	if err != nil {
		return nil, err
	}
	invs, err := parseCSV(r, o, flow, a)
	if err != nil {
		return nil, err
	}
	// Group names resolve once the whole file has parsed, still before
	// anything is written.
	var bad []RowError
	resolved := map[string]string{}
	for i := range invs {
		verr := &resource.ValidationError{}
		groupsData(ctx, a.Store, invs[i].groups, invs[i].data, verr, resolved)
		for _, msg := range rowMessages(verr, Params{}) {
			bad = append(bad, RowError{invs[i].row, msg})
		}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	err = a.Store.Tx(ctx, func(q store.Queries) error {
		for i := range invs {
			inv, err := insert(ctx, a, q, o.Creator, invs[i].data, o.BaseURL)
			if err != nil {
				return fmt.Errorf("row %d: %w", invs[i].row, err)
			}
			invs[i].inv = inv
			if o.Send {
				if _, err := invitation.Send(ctx, a, q, invs[i].inv, invitation.SendOptions{To: []string{invs[i].inv.Email},
					BaseURL: o.BaseURL, Inviter: o.Creator}); err != nil {
					return fmt.Errorf("row %d: %w", invs[i].row, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.Invitation, len(invs))
	for i, r := range invs {
		out[i] = r.inv
	}
	return out, nil
}

type csvRow struct {
	row  int
	data map[string]any // the invitation as the API receives it
	// groups as written (names or pks), resolved into data before saving
	groups []string
	inv    store.Invitation // once saved
}

// parseCSV validates every row before anything is written.
func parseCSV(r io.Reader, o ImportOptions, flow store.Flow, a *app.App) ([]csvRow, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Rows: []RowError{{1, `the file is empty; the first row must name the columns, e.g. "email,name"`}}}
	}
	if err != nil {
		return nil, &ImportError{Rows: []RowError{{1, err.Error()}}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		header[i] = h
		if _, dup := col[h]; dup && h != "" {
			return nil, &ImportError{Rows: []RowError{{1, fmt.Sprintf("column %q appears twice", h)}}}
		}
		col[h] = i
	}
	emailCol, ok := col["email"]
	if !ok {
		return nil, &ImportError{Rows: []RowError{{1, fmt.Sprintf(`no "email" column (columns: %s)`, strings.Join(header, ", "))}}}
	}
	nameCol, hasName := col["name"]
	groupsCol, hasGroups := col[GroupsColumn]
	now := a.Clock()
	var bad []RowError
	var out []csvRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos panics when no record was read: take the line from
			// the parse error.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			if pe != nil && errors.Is(pe.Err, csv.ErrFieldCount) {
				bad = append(bad, RowError{line, fmt.Sprintf("has %d columns, the header has %d", len(rec), len(header))})
				continue
			}
			bad = append(bad, RowError{line, fmt.Sprintf("cannot read the rest of the file: %v", err)})
			break
		}
		line, _ := cr.FieldPos(0)
		email := strings.TrimSpace(rec[emailCol])
		p := Params{Email: email, Expires: o.Expires, MaxUses: o.MaxUses, Send: o.Send, Groups: append([]string(nil), o.Groups...)}
		if hasGroups {
			for _, g := range strings.Split(rec[groupsCol], ";") {
				if g = strings.TrimSpace(g); g != "" {
					p.Groups = append(p.Groups, g)
				}
			}
		}
		if hasName && strings.TrimSpace(rec[nameCol]) != "" {
			p.Name = strings.TrimSpace(rec[nameCol])
		} else {
			p.Name = invitation.Slug(email)
		}
		if email == "" {
			bad = append(bad, RowError{line, "email is empty"})
			continue
		}
		if first, dup := seen[strings.ToLower(email)]; dup {
			bad = append(bad, RowError{line, fmt.Sprintf("email %q is already on row %d", email, first)})
			continue
		}
		seen[strings.ToLower(email)] = line
		data, verr := build(p, &flow, now)
		if !verr.Empty() {
			for _, msg := range rowMessages(verr, p) {
				bad = append(bad, RowError{line, msg})
			}
			continue
		}
		fixed := data["fixed_data"].(map[string]any)
		for i, v := range rec {
			if i == emailCol || (hasName && i == nameCol) || (hasGroups && i == groupsCol) || header[i] == "" || strings.TrimSpace(v) == "" {
				continue
			}
			fixed[strings.TrimPrefix(header[i], FixedDataPrefix)] = v
		}
		out = append(out, csvRow{row: line, data: data, groups: p.Groups})
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	if len(out) == 0 {
		return nil, &ImportError{Rows: []RowError{{2, "no invitations: the file has a header but no rows"}}}
	}
	return out, nil
}

// rowMessages words validation errors for a CSV row, quoting the value.
func rowMessages(v *resource.ValidationError, p Params) []string {
	fields := make([]string, 0, len(v.Fields))
	for f := range v.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var out []string
	for _, f := range fields {
		for _, m := range v.Fields[f] {
			switch f {
			case "email":
				m = "email " + m // `email "x@" is not a valid email address`
			case "name":
				m = fmt.Sprintf("name %q: %s", p.Name, m)
			default:
				m = f + ": " + m
			}
			out = append(out, m)
		}
	}
	return out
}

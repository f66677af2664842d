package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Prompt stages keep their fields and validation policies in join tables
// (prompt_stage_fields, prompt_stage_policies) so deletes cascade; the
// settings JSON holds the rest.

const stageCols = "uuid, name, kind, settings"

func scanStage(s scanner) (store.Stage, error) {
	var st store.Stage
	var settings []byte
	if err := s.Scan(&st.UUID, &st.Name, &st.Kind, &settings); err != nil {
		return st, err
	}
	name, uuid := st.Name, st.UUID
	if err := st.DecodeSettings(settings); err != nil {
		return st, fmt.Errorf("stage %s: bad settings: %w", uuid, err)
	}
	st.Name, st.UUID = name, uuid
	return st, nil
}

// stageSettings encodes the settings column (prompt lists excluded).
func stageSettings(s *store.Stage) (string, error) {
	if s.Kind == store.StagePrompt && s.Prompt != nil {
		cp := *s
		p := *s.Prompt
		p.Fields, p.ValidationPolicies = []string{}, []string{}
		cp.Prompt = &p
		s = &cp
	}
	b, err := s.SettingsJSON()
	return string(b), err
}

func (c *conn) CreateStage(ctx context.Context, s *store.Stage) error {
	ensureUUID(&s.UUID)
	settings, err := stageSettings(s)
	if err != nil {
		return fmt.Errorf("store: insert stage: %w", err)
	}
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, "INSERT INTO stages ("+stageCols+") VALUES (?, ?, ?, ?)", s.UUID, s.Name, string(s.Kind), settings); err != nil {
			return c.wrap("insert stage", err)
		}
		return c.writePromptLists(ctx, s)
	})
}

// writePromptLists replaces a prompt stage's field and policy rows.
func (c *conn) writePromptLists(ctx context.Context, s *store.Stage) error {
	if _, err := c.exec(ctx, "DELETE FROM prompt_stage_fields WHERE stage_uuid = ?", s.UUID); err != nil {
		return c.wrap("write prompt stage fields", err)
	}
	if _, err := c.exec(ctx, "DELETE FROM prompt_stage_policies WHERE stage_uuid = ?", s.UUID); err != nil {
		return c.wrap("write prompt stage policies", err)
	}
	if s.Kind != store.StagePrompt || s.Prompt == nil {
		return nil
	}
	for i, p := range dedupe(s.Prompt.Fields) {
		if _, err := c.exec(ctx, "INSERT INTO prompt_stage_fields (stage_uuid, prompt_uuid, position) VALUES (?, ?, ?)",
			s.UUID, p, i); err != nil {
			return c.wrap("write prompt stage fields", err)
		}
	}
	for i, p := range dedupe(s.Prompt.ValidationPolicies) {
		if _, err := c.exec(ctx, "INSERT INTO prompt_stage_policies (stage_uuid, policy_uuid, position) VALUES (?, ?, ?)",
			s.UUID, p, i); err != nil {
			return c.wrap("write prompt stage policies", err)
		}
	}
	return nil
}

// dedupe lower-cases UUIDs and drops repeats, keeping first positions.
func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		id = strings.ToLower(id)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// fillPromptLists loads fields and policies into the prompt stages of list.
func (c *conn) fillPromptLists(ctx context.Context, list []store.Stage) error {
	idx := map[string]*store.Stage{}
	for i := range list {
		if list[i].Kind == store.StagePrompt {
			list[i].Prompt.Fields, list[i].Prompt.ValidationPolicies = []string{}, []string{}
			idx[list[i].UUID] = &list[i]
		}
	}
	if len(idx) == 0 {
		return nil
	}
	filter, args := "", []any{}
	if len(idx) == 1 {
		for id := range idx {
			filter, args = " WHERE stage_uuid = ?", []any{id, id}
		}
	}
	// Fields and policies in one query: a prompt stage is read on every
	// flow request that shows or checks it.
	rows, err := c.query(ctx, "SELECT 0, stage_uuid, prompt_uuid, position FROM prompt_stage_fields"+filter+
		" UNION ALL SELECT 1, stage_uuid, policy_uuid, position FROM prompt_stage_policies"+filter+
		" ORDER BY 1, 2, 4", args...)
	if err != nil {
		return c.wrap("read prompt stage lists", err)
	}
	type item struct {
		policy     bool
		stage, ref string
	}
	items, err := collect(rows, func(s scanner) (item, error) {
		var it item
		var kind, pos int
		err := s.Scan(&kind, &it.stage, &it.ref, &pos)
		it.policy = kind == 1
		return it, err
	})
	if err != nil {
		return c.wrap("read prompt stage lists", err)
	}
	for _, it := range items {
		st := idx[it.stage]
		switch {
		case st == nil:
		case it.policy:
			st.Prompt.ValidationPolicies = append(st.Prompt.ValidationPolicies, it.ref)
		default:
			st.Prompt.Fields = append(st.Prompt.Fields, it.ref)
		}
	}
	return nil
}

func (c *conn) getStage(ctx context.Context, where, arg string) (store.Stage, error) {
	s, err := scanStage(c.queryRow(ctx, "SELECT "+stageCols+" FROM stages WHERE "+where, arg))
	if err != nil {
		return s, c.wrap("get stage", err)
	}
	list := []store.Stage{s}
	err = c.fillPromptLists(ctx, list)
	return list[0], err
}

func (c *conn) GetStage(ctx context.Context, uuid string) (store.Stage, error) {
	return c.getStage(ctx, "uuid = ?", strings.ToLower(uuid))
}

func (c *conn) GetStageByName(ctx context.Context, name string) (store.Stage, error) {
	return c.getStage(ctx, "name = ?", name)
}

func (c *conn) listStages(ctx context.Context, q string, args ...any) ([]store.Stage, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, c.wrap("list stages", err)
	}
	out, err := collect(rows, scanStage)
	if err != nil {
		return nil, c.wrap("list stages", err)
	}
	return out, c.fillPromptLists(ctx, out)
}

func (c *conn) ListStages(ctx context.Context) ([]store.Stage, error) {
	return c.listStages(ctx, "SELECT "+stageCols+" FROM stages ORDER BY name")
}

// UpdateStage saves name and settings; the kind of a stage never changes.
func (c *conn) UpdateStage(ctx context.Context, s *store.Stage) error {
	s.UUID = strings.ToLower(s.UUID)
	settings, err := stageSettings(s)
	if err != nil {
		return fmt.Errorf("store: update stage: %w", err)
	}
	return c.inTx(ctx, func(c *conn) error {
		if err := c.execOne(ctx, "update stage", "UPDATE stages SET name = ?, settings = ? WHERE uuid = ? AND kind = ?",
			s.Name, settings, s.UUID, string(s.Kind)); err != nil {
			return err
		}
		return c.writePromptLists(ctx, s)
	})
}

// DeleteStage removes the stage with its flow bindings (schema cascade) and
// in Go the policy bindings on it or on those bindings, and identification
// stages' references to it as their password stage.
func (c *conn) DeleteStage(ctx context.Context, uuid string) error {
	uuid = strings.ToLower(uuid)
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, `DELETE FROM policy_bindings WHERE target = ?
			OR target IN (SELECT uuid FROM flow_stage_bindings WHERE stage = ?)`, uuid, uuid); err != nil {
			return c.wrap("delete stage: policy bindings", err)
		}
		if err := c.execOne(ctx, "delete stage", "DELETE FROM stages WHERE uuid = ?", uuid); err != nil {
			return err
		}
		if err := c.dropConfigurationStage(ctx, uuid); err != nil {
			return err
		}
		return c.rewriteStages(ctx, store.StageIdentification, func(s *store.Stage) bool {
			return clearRef(&s.Identification.PasswordStage, uuid)
		})
	})
}

// rewriteStages applies fix to every stage of kind and saves those it
// changed (for references held in settings JSON). Never used for the
// prompt lists, which live in join tables.
func (c *conn) rewriteStages(ctx context.Context, kind store.StageKind, fix func(*store.Stage) bool) error {
	rows, err := c.execQuery(ctx, "SELECT "+stageCols+" FROM stages WHERE kind = ?", string(kind))
	if err != nil {
		return c.wrap("clean stage references", err)
	}
	list, err := collect(rows, scanStage)
	if err != nil {
		return c.wrap("clean stage references", err)
	}
	for i := range list {
		s := &list[i]
		if !fix(s) {
			continue
		}
		settings, err := stageSettings(s)
		if err != nil {
			return fmt.Errorf("store: clean stage references: %w", err)
		}
		if _, err := c.exec(ctx, "UPDATE stages SET settings = ? WHERE uuid = ?", settings, s.UUID); err != nil {
			return c.wrap("clean stage references", err)
		}
	}
	return nil
}

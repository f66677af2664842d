package resource

// Model is one authentik model whose rows are values of type T (store.Flow,
// store.Invitation, ...). Each model file declares one exported Model
// (Flows, Invitations, Users, ...); code that knows which model it works on
// calls it directly and gets T back, never an interface to assert. The
// blueprint importer, the API's name-based CRUD and the console's entity
// pages only know a model by its "app_label.model" name; for them Register
// builds a Kind, the one place where T is erased.
type Model[T any] struct {
	// Name is authentik's "app_label.model", lower case (a store.Model*
	// constant, so each name is written once).
	Name string
	// Verbose names, as the API exposes them.
	VerboseName, VerboseNamePlural string
	// Fields are the serializer's field names, in order.
	Fields []string

	pk        func(T) any
	title     func(T) string
	list      func(c *Ctx) ([]T, error)
	save      func(c *Ctx, existing *T, data map[string]any) (T, error)
	del       func(c *Ctx, row T) error
	serialize func(c *Ctx, row T) (map[string]any, error)
	find      finder[T]
}

// PK returns the value !KeyOf yields for the row (the API "pk").
func (m *Model[T]) PK(row T) any { return m.pk(row) }

// Title is the row's display name (audit events' model.name).
func (m *Model[T]) Title(row T) string { return m.title(row) }

// List returns every row (the API lists small tables with it; users and
// invitations page in SQL instead).
func (m *Model[T]) List(c *Ctx) ([]T, error) { return m.list(c) }

// Serialize renders the row as the API does.
func (m *Model[T]) Serialize(c *Ctx, row T) (map[string]any, error) { return m.serialize(c, row) }

// Delete removes the row (with the database's cascades).
func (m *Model[T]) Delete(c *Ctx, row T) error { return m.del(c, row) }

// Find returns the row matching blueprint identifiers: "pk" OR the AND of
// all other keys. store.ErrNotFound when nothing matches; a
// *ValidationError naming the key for an identifier field that does not
// exist or is not valid text.
func (m *Model[T]) Find(c *Ctx, ids map[string]any) (T, error) {
	if err := checkText(ids); err != nil {
		var zero T
		return zero, err
	}
	return m.find.find(c, m, ids)
}

// Create validates data and inserts a new row. Validation failures return
// *ValidationError and write nothing.
func (m *Model[T]) Create(c *Ctx, data map[string]any) (T, error) {
	return m.write(c, nil, data)
}

// Update validates data and changes only the keys it holds on row (the
// API's PUT passes every writable field).
func (m *Model[T]) Update(c *Ctx, row T, data map[string]any) (T, error) {
	return m.write(c, &row, data)
}

// write checks every string in data before the model sees it (see
// checkText), so a model added later is covered without doing anything.
func (m *Model[T]) write(c *Ctx, existing *T, data map[string]any) (T, error) {
	if err := checkText(data); err != nil {
		var zero T
		return zero, err
	}
	return m.save(c, existing, data)
}

// define completes m with its finder and registers its Kind.
func define[T any](m *Model[T], f finder[T]) *Model[T] {
	m.find = f
	add(m.kind())
	return m
}

// kind is m with its row type erased.
func (m *Model[T]) kind() *Kind {
	row := func(o Object) T { return o.(T) }
	return &Kind{
		Model: m.Name, VerboseName: m.VerboseName, VerboseNamePlural: m.VerboseNamePlural, Fields: m.Fields,
		PK:   func(o Object) any { return m.pk(row(o)) },
		Name: func(o Object) string { return m.title(row(o)) },
		List: func(c *Ctx) ([]Object, error) { return erase(m.list(c)) },
		Find: func(c *Ctx, ids map[string]any) (Object, error) { return erased(m.Find(c, ids)) },
		Save: func(c *Ctx, existing Object, data map[string]any) (Object, error) {
			if existing == nil {
				return erased(m.Create(c, data))
			}
			return erased(m.Update(c, row(existing), data))
		},
		Delete:    func(c *Ctx, o Object) error { return m.del(c, row(o)) },
		Serialize: func(c *Ctx, o Object) (map[string]any, error) { return m.serialize(c, row(o)) },
	}
}

// erased returns v as an Object, or nil with err.
func erased[T any](v T, err error) (Object, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// erase adapts a typed listing to Objects.
func erase[T any](items []T, err error) ([]Object, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Object, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out, nil
}

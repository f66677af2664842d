package store

// Prompt field types (authentik's stages/prompt/models.py FieldTypes).
var PromptTypes = []string{"text", "text_area", "text_read_only", "text_area_read_only", "username",
	"email", "password", "number", "checkbox", "radio-button-group", "dropdown", "date", "date-time",
	"file", "separator", "hidden", "static", "ak-locale"}

// Prompt is one field a prompt stage asks for (authentik_stages_prompt.prompt).
type Prompt struct {
	UUID                   string
	Name                   string // unique
	FieldKey               string
	Label                  string
	Type                   string
	Required               bool // default true
	Placeholder            string
	PlaceholderExpression  bool
	InitialValue           string
	InitialValueExpression bool
	Order                  int
	SubText                string
}

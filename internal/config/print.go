package config

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
)

// Redacted is what a set secret prints as.
const Redacted = "********"

// Display returns the option's effective value as it may be shown: secrets
// are masked, URLs lose their password.
func (c *Config) Display(o *Option) string {
	v := c.raw[o.Env]
	switch {
	case v == "":
		if o.Env == "USHER_BLUEPRINTS_DIR" {
			return c.BlueprintsDir
		}
		return ""
	case o.Secret:
		return Redacted
	case o.Redact != nil:
		return o.Redact(v)
	}
	return v
}

// Source says where an option's value came from: "default", "env" or
// "<file> line N".
func (c *Config) Source(o *Option) string { return c.source[o.Env] }

// EmailConfigured reports whether an SMTP server was named: USHER_EMAIL__HOST
// or USHER_EMAIL__PORT set (environment or file). The defaults, localhost
// port 25, are authentik's, but on a fresh install nothing listens there,
// so usher does not offer to send email until one of them is set. A
// Config not built by Load counts as configured.
func (c *Config) EmailConfigured() bool {
	if c.source == nil {
		return true
	}
	return c.source["USHER_EMAIL__HOST"] != "default" || c.source["USHER_EMAIL__PORT"] != "default"
}

// Print writes every option, its effective value (secrets redacted) and
// where it came from.
func (c *Config) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE")
	for _, o := range Options {
		v := c.Display(o)
		if v == "" {
			v = `""`
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", o.Env, v, c.Source(o))
	}
	return tw.Flush()
}

// LogValue lists the options not at their defaults, redacted, for the
// startup log line.
func (c *Config) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, o := range Options {
		if c.source[o.Env] != "default" {
			attrs = append(attrs, slog.String(o.Env, c.Display(o)))
		}
	}
	return slog.GroupValue(attrs...)
}

// Markdown renders the option table for README.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Variable | YAML key | Default | Description |\n| --- | --- | --- | --- |\n")
	for _, o := range Options {
		def := "`" + o.Default + "`"
		switch {
		case o.DefaultDoc != "":
			def = o.DefaultDoc
		case o.Default == "":
			def = "(empty)"
		}
		help := o.Help
		if len(o.Choices) > 0 {
			help += " One of `" + strings.Join(o.Choices, "`, `") + "`."
		}
		if o.Secret {
			help += " Secret: never printed; may be read from a file named by `" + o.Env + "_FILE`."
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", o.Env, o.YAMLKey(), def, help)
	}
	return b.String()
}

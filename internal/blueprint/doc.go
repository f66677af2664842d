// Package blueprint reads, applies and exports authentik blueprints
// (version 1 YAML or JSON files) so that a file written for authentik
// imports into usher unmodified.
//
// parse.go turns a file into entries with line:column positions and its
// custom tags (tag.go: !KeyOf, !Find, !Env, !File, !Context, !Format,
// !If, !Condition, !Enumerate, …); resolve.go evaluates the tags when an
// entry is applied; apply.go applies a whole file in one transaction, each
// entry through the same model registry (internal/resource) the REST API
// uses, so an entry is validated exactly as the same data posted to the API
// would be. meta.go handles authentik_blueprints.metaapplyblueprint,
// export.go writes a flow back as a blueprint, discover.go and watcher.go
// find files in the blueprints directory and re-apply them when they
// change (one instance at a time, under a database lease), and instance.go
// keeps the blueprint instances authentik's API lists.
package blueprint

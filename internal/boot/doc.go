// Package boot is usher's composition root: the one place that turns a
// validated configuration into a running usher. It opens and migrates the
// store, builds the application container, assembles the whole HTTP
// handler (every area behind the server middleware) and the background
// workers. The serve command, the bench harness and every test that needs
// "a real usher" go through it, so what is tested is what is served.
package boot

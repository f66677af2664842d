# usher: `make run` starts a development server on http://127.0.0.1:9000/,
# `make test` runs go vet and every test on SQLite and a throwaway PostgreSQL.
.PHONY: run test build vet

run:
	go run ./cmd/usher serve

test:
	scripts/test.sh

build:
	go build -o bin/usher ./cmd/usher

vet:
	go vet ./...

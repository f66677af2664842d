package store

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// SQLite keeps its locks as POSIX advisory locks, which belong to the
// process, not to a descriptor: when this process opens one of its own
// database files a second time (any os.Open, even a read) and closes that
// descriptor, every lock the process holds on the file is dropped. Another
// process opening the database then believes no one uses it, runs
// recovery and deletes the -wal and -shm the server is still writing to,
// and later commits are lost. So nothing in usher may open these files
// except SQLite itself; code that reads a path chosen by a user or a
// blueprint asks CheckNotDatabaseFile first.

// ErrDatabaseFile is a path that is, or belongs to, a database file this
// process has open.
var ErrDatabaseFile = errors.New("is usher's own database file (or its -wal, -shm or -journal); usher never opens it for reading")

var dbFiles struct {
	sync.Mutex
	paths map[string]bool
}

// RegisterDatabaseFile records a SQLite database file this process opened.
func RegisterDatabaseFile(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	dbFiles.Lock()
	defer dbFiles.Unlock()
	if dbFiles.paths == nil {
		dbFiles.paths = map[string]bool{}
	}
	dbFiles.paths[path] = true
}

// CheckNotDatabaseFile returns ErrDatabaseFile when path names a database
// file this process opened, or its -wal, -shm or -journal, through any
// spelling: symlinks, "..", or a hard link (compared by device and inode,
// which needs only a stat, not an open).
func CheckNotDatabaseFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // nothing there to protect; opening it fails anyway
	}
	dbFiles.Lock()
	paths := make([]string, 0, len(dbFiles.paths))
	for p := range dbFiles.paths {
		paths = append(paths, p)
	}
	dbFiles.Unlock()
	for _, p := range paths {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if other, err := os.Stat(p + suffix); err == nil && os.SameFile(st, other) {
				return ErrDatabaseFile
			}
		}
	}
	return nil
}

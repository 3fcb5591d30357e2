package crypto

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFileSize bounds how much of a key file is read: a key is ~50 bytes,
// and a huge file at that path is a mistake we should not load into memory.
const maxKeyFileSize = 4 << 10

// LoadOrCreateKeyFile reads the master key stored at path, or, if no file
// exists there, generates one (from rand; nil means crypto/rand.Reader) and
// writes it with mode 0600. created reports whether this call wrote the file.
//
// Creation is atomic and exclusive: the key is written and synced to a
// temporary file made with O_EXCL, then hard-linked into place, which fails if
// path exists. Two processes starting together therefore agree on one key, and
// no process ever sees a half-written file. (If the file system cannot link,
// the key is written with O_CREATE|O_EXCL at path directly.)
//
// An existing file whose permissions allow any group or other access is
// refused rather than used: the key decrypts every secret, and a readable copy
// means the database alone is no longer enough protection. The parent
// directory must already exist.
func LoadOrCreateKeyFile(path string, rand io.Reader) (mk MasterKey, created bool, err error) {
	mk, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return mk, false, err
	}
	mk, err = GenerateMasterKey(rand)
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("create key file %s: %w", path, err)
	}
	data := []byte(mk.Encode() + "\n")
	defer clear(data)
	created, err = createKeyFile(path, data, os.Link)
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("create key file %s: %w", path, err)
	}
	if !created {
		// Another process created the file between our read and our
		// link: its key is the one in use, so discard ours.
		mk, err = readKeyFile(path)
		return mk, false, err
	}
	return mk, true, nil
}

// readKeyFile reads and parses the key file at path. The returned error
// wraps fs.ErrNotExist if there is no file.
func readKeyFile(path string) (MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return MasterKey{}, fmt.Errorf("read key file: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the checks apply to the file we
	// read even if the path is swapped in between.
	fi, err := f.Stat()
	if err != nil {
		return MasterKey{}, fmt.Errorf("read key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return MasterKey{}, fmt.Errorf("read key file %s: not a regular file", path)
	}
	// Windows does not report Unix permission bits (files show as 0666), so
	// the check would refuse every file there; access is governed by ACLs.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return MasterKey{}, fmt.Errorf("key file %s has mode %04o, which lets other users read the master key; run chmod 600 %s (or provide the key in KEYHOUSE_MASTER_KEY)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return MasterKey{}, fmt.Errorf("read key file %s: %w", path, err)
	}
	defer clear(b)
	if len(b) > maxKeyFileSize {
		return MasterKey{}, fmt.Errorf("read key file %s: file is larger than %d bytes", path, maxKeyFileSize)
	}
	mk, err := ParseMasterKey(string(b))
	if err != nil {
		return MasterKey{}, fmt.Errorf("read key file %s: %w", path, err)
	}
	return mk, nil
}

// createKeyFile writes data to path unless a file already exists there. It
// reports false, with no error, if one did. link is os.Link outside tests.
func createKeyFile(path string, data []byte, link func(oldname, newname string) error) (created bool, err error) {
	dir := filepath.Dir(path)
	// CreateTemp uses O_EXCL and mode 0600; the umask can only narrow that.
	tmp, err := os.CreateTemp(dir, ".keyhouse-key-*.tmp")
	if err != nil {
		return false, err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link, path keeps the data
	if err := writeSync(tmp, data); err != nil {
		return false, err
	}
	switch err := link(tmpName, path); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		// No hard links here (some network and FAT file systems): fall
		// back to an exclusive create at path. A crash mid-write can then
		// leave an empty file, which readKeyFile reports as invalid rather
		// than silently replacing a key that might be in use.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if err := writeSync(f, data); err != nil {
			os.Remove(path)
			return false, err
		}
	}
	// Sync the directory so the new name survives a power loss: losing it
	// after secrets were encrypted under the key would lose those secrets.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every platform can sync a directory
		d.Close()
	}
	return true, nil
}

// writeSync writes data to f, flushes it to stable storage and closes f.
func writeSync(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

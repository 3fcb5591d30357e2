package crypto

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateKeyFile(t *testing.T) {
	t.Parallel()
	t.Run("CreateThenLoad", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "master.key")
		mk, created, err := LoadOrCreateKeyFile(path, &countingReader{})
		if err != nil {
			t.Fatal(err)
		}
		if !created {
			t.Error("created = false on first call")
		}
		if want := mustMasterKey(t, testKeyB64); !mk.key.equal(want.key) || mk.ID != want.ID {
			t.Errorf("key = %s, want %s from the given reader", mk, want)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(data), mk.Encode()+"\n"; got != want {
			t.Errorf("file holds %q, want %q", got, want)
		}

		again, created, err := LoadOrCreateKeyFile(path, constReader(7))
		if err != nil {
			t.Fatal(err)
		}
		if created || again.ID != mk.ID || !again.key.equal(mk.key) {
			t.Errorf("second call = %s, created %v; want %s, false", again, created, mk)
		}
		// The temporary file used for the atomic create must be gone.
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries, want only the key file", len(entries))
		}
	})
	t.Run("LoadsOperatorFile", func(t *testing.T) {
		t.Parallel()
		path := writeFile(t, "mk9:"+testKeyB64+"\n", 0o400)
		mk, created, err := LoadOrCreateKeyFile(path, nil)
		if err != nil || created || mk.ID != "mk9" {
			t.Errorf("LoadOrCreateKeyFile = %s, %v, %v; want MasterKey(mk9), false, nil", mk, created, err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "master.key")
		const n = 16
		var (
			wg      sync.WaitGroup
			keys    [n]MasterKey
			created [n]bool
			errs    [n]error
		)
		for i := range n {
			wg.Go(func() { keys[i], created[i], errs[i] = LoadOrCreateKeyFile(path, nil) })
		}
		wg.Wait()
		creators := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if created[i] {
				creators++
			}
			if !keys[i].key.equal(keys[0].key) {
				t.Errorf("call %d got a different key than call 0", i)
			}
		}
		if creators != 1 {
			t.Errorf("%d calls report creating the file, want 1", creators)
		}
	})
	for _, tt := range []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{name: "ErrGroupReadable", content: testKeyB64, mode: 0o640, wantErr: "has mode 0640, which lets other users read the master key; run chmod 600"},
		{name: "ErrWorldReadable", content: testKeyB64, mode: 0o604, wantErr: "has mode 0604"},
		{name: "ErrEmpty", content: "", mode: 0o600, wantErr: "key is empty"},
		{name: "ErrGarbage", content: "hello", mode: 0o600, wantErr: "not valid base64"},
		{name: "ErrTooLarge", content: strings.Repeat("A", maxKeyFileSize+1), mode: 0o600, wantErr: "larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if runtime.GOOS == "windows" && tt.mode != 0o600 {
				t.Skip("Windows has no Unix permission bits")
			}
			path := writeFile(t, tt.content, tt.mode)
			_, _, err := LoadOrCreateKeyFile(path, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want containing %q", err, tt.wantErr)
			}
			// A bad file is reported, never replaced: it may hold the key
			// every secret was encrypted under.
			if got, _ := os.ReadFile(path); string(got) != tt.content {
				t.Error("the existing file was modified")
			}
		})
	}
	t.Run("ErrDirectory", func(t *testing.T) {
		t.Parallel()
		if _, _, err := LoadOrCreateKeyFile(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("error = %v, want not a regular file", err)
		}
	})
	t.Run("ErrNoParentDir", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "missing", "master.key")
		if _, _, err := LoadOrCreateKeyFile(path, nil); err == nil {
			t.Error("LoadOrCreateKeyFile succeeded without a parent directory")
		}
	})
	t.Run("ErrRandom", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "master.key")
		if _, _, err := LoadOrCreateKeyFile(path, shortReader(3)); err == nil {
			t.Fatal("LoadOrCreateKeyFile succeeded with a failing random source")
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a key file was left behind after failing: %v", err)
		}
	})
}

// TestCreateKeyFileWithoutLinks covers file systems without hard links,
// where the key is written with an exclusive create at its final path.
func TestCreateKeyFileWithoutLinks(t *testing.T) {
	t.Parallel()
	noLinks := func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errors.ErrUnsupported}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	created, err := createKeyFile(path, []byte("first\n"), noLinks)
	if err != nil || !created {
		t.Fatalf("createKeyFile = %v, %v; want true, nil", created, err)
	}
	created, err = createKeyFile(path, []byte("second\n"), noLinks)
	if err != nil || created {
		t.Fatalf("createKeyFile over an existing file = %v, %v; want false, nil", created, err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first\n" {
		t.Errorf("file holds %q, want the first key: an existing key must never be replaced", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}
}

// writeFile writes content to a new file with exactly mode (not narrowed by
// the umask) and returns its path.
func writeFile(tb testing.TB, content string, mode os.FileMode) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		tb.Fatal(err)
	}
	return path
}

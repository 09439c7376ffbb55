package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entry is one member of a generated archive.
type entry struct {
	name     string
	typeflag byte
	body     string
	linkname string
}

func file(name, body string) entry { return entry{name: name, typeflag: tar.TypeReg, body: body} }
func dir(name string) entry        { return entry{name: name, typeflag: tar.TypeDir} }

// writeTgz writes a gzip-compressed tar archive of entries to a file in a
// fresh temporary folder and returns its path.
func writeTgz(t *testing.T, entries ...entry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.linkname}
		if e.typeflag != tar.TypeReg {
			hdr.Size, hdr.Mode = 0, 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "package.tgz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExtractTarGz(t *testing.T) {
	tests := []struct {
		name      string
		entries   []entry
		wantErr   string            // "" means success
		wantFiles map[string]string // slash path under the destination: content
	}{
		{
			name:      "files without folder entries get their folders",
			entries:   []entry{file("package/lib/d/a.jar", "jar"), file("package/README.md", "hi")},
			wantFiles: map[string]string{"package/lib/d/a.jar": "jar", "package/README.md": "hi"},
		},
		{
			name:      "folder entries and a leading ./ are accepted",
			entries:   []entry{dir("./"), dir("./package/"), file("./package/x", "x")},
			wantFiles: map[string]string{"package/x": "x"},
		},
		{
			name:      "dot-dot that stays inside is accepted",
			entries:   []entry{file("package/a/../b", "b")},
			wantFiles: map[string]string{"package/b": "b"},
		},
		{name: "parent traversal is rejected", entries: []entry{file("../evil", "x")}, wantErr: "leaves the destination"},
		{name: "nested traversal is rejected", entries: []entry{file("package/../../evil", "x")},
			wantErr: "leaves the destination"},
		{name: "absolute path is rejected", entries: []entry{file("/tmp/evil", "x")}, wantErr: "leaves the destination"},
		{name: "folder traversal is rejected", entries: []entry{dir("../evil/")}, wantErr: "leaves the destination"},
		{name: "symlink is rejected", entries: []entry{{name: "package/link", typeflag: tar.TypeSymlink, linkname: "/etc"}},
			wantErr: "unsupported type"},
		{
			name:    "file through an earlier symlink is rejected",
			entries: []entry{{name: "package/link", typeflag: tar.TypeSymlink, linkname: ".."}, file("package/link/evil", "x")},
			wantErr: "unsupported type",
		},
		{name: "hard link is rejected",
			entries: []entry{{name: "package/hard", typeflag: tar.TypeLink, linkname: "/etc/passwd"}},
			wantErr: "unsupported type"},
		{name: "device is rejected", entries: []entry{{name: "package/dev", typeflag: tar.TypeChar}},
			wantErr: "unsupported type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgz := writeTgz(t, tt.entries...)
			// dst sits two levels down, so an escape would land in a folder
			// the test can see.
			base := t.TempDir()
			dst := filepath.Join(base, "a", "dst")
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			err := extractFile(tgz, dst)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("extract error = %v, want one containing %q", err, tt.wantErr)
				}
				for _, p := range []string{filepath.Join(base, "evil"), filepath.Join(base, "a", "evil")} {
					if _, err := os.Lstat(p); err == nil {
						t.Errorf("%s was written outside the destination", p)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			for name, want := range tt.wantFiles {
				got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(name)))
				if err != nil || string(got) != want {
					t.Errorf("%s = %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
}

func TestExtractTarGzDoesNotFollowSymlinkOut(t *testing.T) {
	// Were a symlink already in the destination, os.Root still keeps writes
	// inside it.
	base := t.TempDir()
	dst := filepath.Join(base, "dst")
	if err := os.MkdirAll(filepath.Join(dst, "package"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dst, "package", "link")); err != nil {
		t.Fatal(err)
	}
	err := extractFile(writeTgz(t, file("package/link/evil", "x")), dst)
	if err == nil {
		t.Fatal("extract wrote through a symlink that leaves the destination")
	}
	if _, err := os.Lstat(filepath.Join(base, "evil")); err == nil {
		t.Error("evil was written outside the destination")
	}
}

func TestExtractTarGzRejectsNonGzip(t *testing.T) {
	if err := extractTarGz(strings.NewReader("not gzip"), t.TempDir()); err == nil {
		t.Fatal("extractTarGz accepted a stream that is not gzip")
	}
}

func TestFindDist(t *testing.T) {
	const (
		jar  = "package/lib/dynamodb_local_%s/DynamoDBLocal.jar"
		libs = "package/lib/dynamodb_local_%s/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so"
	)
	at := func(format, date string) string { return strings.Replace(format, "%s", date, 1) }
	tests := []struct {
		name     string
		entries  []entry
		wantDate string // "" means an error
	}{
		{"jar beside its libraries", []entry{file(at(jar, "2026-05-28"), "j"), file(at(libs, "2026-05-28"), "so")},
			"2026-05-28"},
		{"latest of two releases", []entry{
			file(at(jar, "2025-01-01"), "j"), file(at(libs, "2025-01-01"), "so"),
			file(at(jar, "2026-05-28"), "j"), file(at(libs, "2026-05-28"), "so"),
		}, "2026-05-28"},
		{"newer folder without a jar is passed over", []entry{
			file(at(jar, "2025-01-01"), "j"), file(at(libs, "2025-01-01"), "so"),
			file(at(libs, "2027-01-01"), "so"),
		}, "2025-01-01"},
		{"jar without libraries", []entry{file(at(jar, "2026-05-28"), "j")}, ""},
		{"libraries without jar", []entry{file(at(libs, "2026-05-28"), "so")}, ""},
		{"other folder name", []entry{
			file("package/lib/dynamodb/DynamoDBLocal.jar", "j"),
			file("package/lib/dynamodb/DynamoDBLocal_lib/x", "x"),
		}, ""},
		{"file named like the folder", []entry{file("package/lib/dynamodb_local_2026-05-28", "not a folder")}, ""},
		{"no lib folder", []entry{file("package/package.json", "{}")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A path with glob metacharacters must not confuse the lookup.
			pkg := filepath.Join(t.TempDir(), "cache[1]*")
			if err := os.Mkdir(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := extractFile(writeTgz(t, tt.entries...), pkg); err != nil {
				t.Fatal(err)
			}
			dist, err := findDist(pkg)
			if tt.wantDate == "" {
				if err == nil {
					t.Fatalf("findDist = %q, want an error", dist)
				}
				return
			}
			if err != nil {
				t.Fatalf("findDist: %v", err)
			}
			if want := filepath.Join(pkg, "package", "lib", "dynamodb_local_"+tt.wantDate); dist != want {
				t.Errorf("findDist = %q, want %q", dist, want)
			}
		})
	}
}

func TestDistVersion(t *testing.T) {
	tests := []struct {
		name   string
		readme string // "" means no README.txt
		want   string
	}{
		{"first release note", "Release Notes\n---\n2026-05-28 (3.3.1)\n  * x\n\n2026-01-16 (3.3.0)\n", "3.3.1"},
		{"indented release note", "Release Notes\n  2026-05-28 (3.3.1)\n", "3.3.1"},
		{"note of another date only", "2026-01-16 (3.3.0)\n", "2026-05-28"},
		{"no README", "", "2026-05-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dist := filepath.Join(t.TempDir(), "dynamodb_local_2026-05-28")
			if err := os.Mkdir(dist, 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.readme != "" {
				if err := os.WriteFile(filepath.Join(dist, "README.txt"), []byte(tt.readme), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := distVersion(dist); got != tt.want {
				t.Errorf("distVersion = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInstallUsesExistingCache(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry // unpacked into the final folder; nil: no folder
		wantErr string
	}{
		{"complete install is used as is", []entry{
			file("package/lib/dynamodb_local_2026-05-28/DynamoDBLocal.jar", "j"),
			file("package/lib/dynamodb_local_2026-05-28/DynamoDBLocal_lib/x.so", "so"),
		}, ""},
		{"broken install says how to repair it", []entry{file("package/package.json", "{}")}, "to reinstall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			final := filepath.Join(cache, npmPackage+"-"+npmVersion)
			if err := os.Mkdir(final, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := extractFile(writeTgz(t, tt.entries...), final); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", "") // no npm: install must not need it
			var stderr bytes.Buffer
			dist, err := install(t.Context(), cache, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("install error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("install: %v", err)
			}
			if !strings.HasPrefix(dist, final) {
				t.Errorf("install = %q, want a folder under %q", dist, final)
			}
			if stderr.Len() > 0 {
				t.Errorf("install printed %q for a cached package", stderr.String())
			}
		})
	}
}

func TestInstallWithoutNPM(t *testing.T) {
	t.Setenv("PATH", "")
	_, err := install(t.Context(), t.TempDir(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "npm is required") {
		t.Fatalf("install error = %v, want one saying npm is required", err)
	}
}

func TestCheckSHA512(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	const abc = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
	tests := []struct {
		name    string
		want    string
		wantErr bool
	}{
		{"matching sum", abc, false},
		{"other sum", strings.Repeat("0", 128), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkSHA512(name, tt.want); (err != nil) != tt.wantErr {
				t.Errorf("checkSHA512 error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

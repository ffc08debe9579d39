package calibrate

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PairSet is a set of labelled pairs: the photos of identities within a
// folder (every pair of them), or an explicit list.
type PairSet struct {
	Name  string
	Pairs []Pair
}

// Pair is two photos and whether they show the same person.
type Pair struct {
	A, B string
	Same bool
}

// AllPairs returns every pair of photos, labelled by identity.
func AllPairs(name string, ids map[string]string) PairSet {
	paths := keys(ids)
	s := PairSet{Name: name}
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			s.Pairs = append(s.Pairs, Pair{paths[i], paths[j], ids[paths[i]] == ids[paths[j]]})
		}
	}
	return s
}

// folderIdentities labels each file in dir by the part of its name before
// "__" (the shared East Asian layout).
func folderIdentities(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no photos in %s", dir)
	}
	ids := map[string]string{}
	for _, f := range files {
		ids[f] = strings.SplitN(filepath.Base(f), "__", 2)[0]
	}
	return ids, nil
}

// PerPersonFolders labels the files of folders named <prefix><person>.
func PerPersonFolders(root string, prefixes ...string) map[string]string {
	ids := map[string]string{}
	for _, pre := range prefixes {
		dirs, _ := filepath.Glob(filepath.Join(root, pre+"*"))
		for _, d := range dirs {
			files, _ := filepath.Glob(filepath.Join(d, "*"))
			for _, f := range files {
				ids[f] = filepath.Base(d)
			}
		}
	}
	return ids
}

// photoExtensions are the file endings a labelled folder's photos have;
// anything else in it (notes, .DS_Store) is left out.
var photoExtensions = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true, ".heic": true, ".heif": true}

// PersonFolders labels the photos of a folder that holds one folder per
// person (root/<person>/<photo>), as a school brings them. It fails, naming
// the problem, for a root that does not hold at least two people, or that
// holds nobody with two photos (no genuine pair to measure).
func PersonFolders(root string) (map[string]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read the labelled folder: %w", err)
	}
	ids := map[string]string{}
	people, pairs := 0, 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if st, err := os.Stat(filepath.Join(root, e.Name())); err != nil || !st.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		n := 0
		for _, f := range files {
			path := filepath.Join(root, e.Name(), f.Name())
			if !photoExtensions[strings.ToLower(filepath.Ext(f.Name()))] {
				continue
			}
			if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() { // links followed
				continue
			}
			ids[path] = e.Name()
			n++
		}
		if n > 0 {
			people++
		}
		pairs += n * (n - 1) / 2
	}
	switch {
	case people < 2:
		return nil, fmt.Errorf("%s holds photos of %d people: want one folder per person, at least two people (photos: %v)", root, people, sortedExtensions())
	case pairs == 0:
		return nil, fmt.Errorf("%s: no person has two photos, so there is no same-person pair to measure", root)
	}
	return ids, nil
}

func sortedExtensions() []string {
	var out []string
	for e := range photoExtensions {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// CSVPairs reads "a,b,same" rows (a header row is skipped); paths are
// relative to base, same is yes/no/true/false/1/0.
func CSVPairs(name, path, base string, labelled bool) (PairSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return PairSet{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return PairSet{}, fmt.Errorf("read %s: %w", path, err)
	}
	s := PairSet{Name: name}
	for i, row := range rows {
		if i == 0 && len(row) > 0 && isHeader(row[0]) {
			continue
		}
		if len(row) < 2 || (labelled && len(row) < 3) {
			return PairSet{}, fmt.Errorf("%s line %d: want %s", path, i+1, map[bool]string{true: "a,b,same", false: "a,b"}[labelled])
		}
		p := Pair{A: resolve(base, row[0]), B: resolve(base, row[1])}
		if labelled {
			switch strings.ToLower(strings.TrimSpace(row[2])) {
			case "yes", "true", "1", "same":
				p.Same = true
			case "no", "false", "0", "different":
			default:
				return PairSet{}, fmt.Errorf("%s line %d: same must be yes/no, got %q", path, i+1, row[2])
			}
		}
		s.Pairs = append(s.Pairs, p)
	}
	return s, nil
}

// isHeader recognises the first cell of a header row ("a", "file_x").
func isHeader(cell string) bool {
	c := strings.ToLower(strings.TrimSpace(cell))
	return c == "a" || strings.HasPrefix(c, "file")
}

func resolve(base, p string) string {
	p = strings.TrimSpace(p)
	if filepath.IsAbs(p) || base == "" {
		return p
	}
	return filepath.Join(base, p)
}

// idKey names the ID-style copy of a photo among the described photos.
func idKey(path string) string { return "id-style:" + path }

// idStylePairs pairs every live photo with the ID-style copy of every other
// photo: the same person (another photo of them) is genuine, another person
// an impostor. A photo is never paired with its own copy; keep, when not
// nil, leaves out the genuine pairs it refuses.
func idStylePairs(name string, live, admission map[string]string, keep func(a, b string) bool) PairSet {
	s := PairSet{Name: name}
	for _, a := range keys(live) {
		for _, b := range keys(admission) {
			if a == b {
				continue
			}
			same := live[a] == admission[b]
			if same && keep != nil && !keep(a, b) {
				continue
			}
			s.Pairs = append(s.Pairs, Pair{a, idKey(b), same})
		}
	}
	return s
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

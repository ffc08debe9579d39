package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/syncbuf"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/notify/wechat/wechatsim"
	"github.com/recheck/recheck/schools"
	"github.com/recheck/recheck/seal"
)

// cli runs a recheck command line in-process and returns its exit code,
// stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return cliEnv(t, nil, args...)
}

// cliEnv is cli with more environment.
func cliEnv(t *testing.T, more map[string]string, args ...string) (int, string, string) {
	t.Helper()
	env := map[string]string{"RECHECK_MODELS_DIR": testmodels.Dir(t)}
	for k, v := range more {
		env[k] = v
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestStandardizeCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		in      string
		code    int
		ok      bool
		finding string
		errCode string
	}{
		{"accepted", testphotos.Path(t, "faces/hivision-demo/test0.jpg"), exitOK, true, "", ""},
		{"webp named jpg, street behind", testphotos.Path(t, "faces/hivision-demo/test1.jpg"), exitRejected, false, "background_not_plain", ""},
		{"two faces", testphotos.Path(t, "faces/deepface/couple.jpg"), exitRejected, false, "multiple_faces", ""},
		{"no face", testphotos.Path(t, "faces/mtcnn/no-faces.jpg"), exitRejected, false, "no_face", ""},
		{"text file", testphotos.Path(t, "faces/MANIFEST.md"), exitBadInput, false, "", "unsupported_format"},
		{"missing file", filepath.Join(dir, "nope.jpg"), exitBadInput, false, "", "file_unreadable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out", tc.name+".jpg")
			require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
			// Flags after the positional arguments, as documented.
			code, stdout, stderr := cli(t, "standardize", tc.in, out, "--json")
			require.Equal(t, tc.code, code, "stdout %s stderr %s", stdout, stderr)
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(stdout), &v), stdout)
			require.Equal(t, tc.ok, v["ok"])
			if tc.errCode != "" {
				require.Equal(t, tc.errCode, v["error"].(map[string]any)["code"])
				return
			}
			if !tc.ok {
				require.Equal(t, tc.finding, v["findings"].([]any)[0].(map[string]any)["code"])
				_, err := os.Stat(out)
				require.ErrorIs(t, err, os.ErrNotExist, "nothing written for a rejected photo")
				return
			}
			o := v["output"].(map[string]any)
			require.Equal(t, 480.0, o["width"])
			require.Equal(t, 640.0, o["height"])
			face := v["face"].(map[string]any)
			require.Len(t, face["box"], 4)
			require.Len(t, face["landmarks"], 5)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, float64(len(data)), o["bytes"])
		})
	}
}

func TestFacesCommand(t *testing.T) {
	code, stdout, _ := cli(t, "faces", testphotos.Path(t, "faces/deepface/couple.jpg"), "--json")
	require.Equal(t, exitOK, code)
	var v struct {
		Faces []struct {
			Box        [4]int    `json:"box"`
			Landmarks  [][2]int  `json:"landmarks"`
			Descriptor []float32 `json:"descriptor"`
		} `json:"faces"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &v))
	require.Len(t, v.Faces, 2)
	require.Less(t, v.Faces[0].Box[0], v.Faces[1].Box[0], "left to right")
	for _, f := range v.Faces {
		require.Len(t, f.Landmarks, 5)
		require.Len(t, f.Descriptor, 128)
	}
	// Boxes are in the input's pixels (2280 × 1588), not the detection copy's.
	require.Greater(t, v.Faces[1].Box[0], 1200)

	code, stdout, _ = cli(t, "faces", testphotos.Path(t, "faces/dlib-nonface/horses.jpg"), "--json")
	require.Equal(t, exitOK, code)
	require.JSONEq(t, `{"faces":[]}`, stdout)

	code, _, _ = cli(t, "faces", testphotos.Path(t, "faces/deepface-pairs.csv"), "--json")
	require.Equal(t, exitBadInput, code)
}

func TestMatchCommand(t *testing.T) {
	p := func(rel string) string { return testphotos.Path(t, rel) }
	code, stdout, stderr := cli(t, "match", p("faces/deepface/img1.jpg"), p("faces/deepface/img2.jpg"), "--json")
	require.Equal(t, exitOK, code, stderr)
	var m matchOutput
	require.NoError(t, json.Unmarshal([]byte(stdout), &m))
	require.True(t, m.SamePerson)
	require.GreaterOrEqual(t, m.Score, 80.0)
	require.Equal(t, "arcface", m.Embedder, "the configured default")
	require.Nil(t, m.All)

	code, stdout, _ = cli(t, "match", p("faces/deepface/img1.jpg"), p("faces/deepface/img3.jpg"), "--json", "--all")
	require.Equal(t, exitOK, code)
	require.NoError(t, json.Unmarshal([]byte(stdout), &m))
	require.False(t, m.SamePerson)
	require.Less(t, m.Score, 80.0)
	require.Len(t, m.All, 2, "every embedder with --all")
	for _, n := range []string{"arcface", "dlib"} {
		require.Contains(t, m.All, n)
		require.Greater(t, m.All[n].Distance, 0.0)
	}

	code, stdout, _ = cli(t, "match", p("faces/deepface/img1.jpg"), p("faces/deepface/couple.jpg"), "--json")
	require.Equal(t, exitBadInput, code)
	var f inputFailure
	require.NoError(t, json.Unmarshal([]byte(stdout), &f))
	require.Equal(t, "multiple_faces", f.Error.Code)
	require.Equal(t, "reference", f.Error.Image)

	code, _, _ = cli(t, "match", p("faces/MANIFEST.md"), p("faces/deepface/img1.jpg"))
	require.Equal(t, exitBadInput, code)
}

func TestMatchPairsAndEvalPairs(t *testing.T) {
	p := func(rel string) string { return testphotos.Path(t, rel) }
	dir := t.TempDir()
	pairs := filepath.Join(dir, "pairs.csv")
	require.NoError(t, os.WriteFile(pairs, []byte(strings.Join([]string{
		"a,b,same",
		p("faces/deepface/img13.jpg") + "," + p("faces/deepface/img14.jpg") + ",yes",
		p("faces/deepface/img13.jpg") + "," + p("faces/deepface/img18.jpg") + ",no",
		p("faces/deepface/img13.jpg") + "," + p("faces/deepface/couple.jpg") + ",no",
	}, "\n")), 0o644))

	code, stdout, stderr := cli(t, "match", "--pairs", pairs, "--json")
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3, "one JSON object per pair")
	var l pairLine
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &l))
	require.True(t, *l.SamePerson)
	require.GreaterOrEqual(t, *l.Score, 80.0)
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &l))
	require.False(t, *l.SamePerson)
	l = pairLine{}
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &l))
	require.Equal(t, "b: 2 faces", l.Error)
	require.Nil(t, l.Score)

	code, stdout, stderr = cli(t, "eval-pairs", pairs)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "3 pairs, 1 skipped")
	require.Contains(t, stdout, "arcface: 1 same, 1 different; at 80: false accepts 0 (0.00 %), false rejects 0 (0.00 %)")
	require.Contains(t, stdout, "ROC")

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("x.jpg,y.jpg,maybe\nx.jpg,y.jpg,perhaps\n"), 0o644))
	code, _, stderr = cli(t, "eval-pairs", bad)
	require.Equal(t, exitBadInput, code)
	require.Contains(t, stderr, "same must be yes/no")
}

// TestEvalPairsOnPersonFolders runs eval-pairs the way a school would, on
// a folder of one folder per person: every pair is scored, files that are
// not photos are left out, a photo without a face makes its same-person
// pairs false rejects, and a folder that cannot be measured is refused
// with a message that says why.
// personFolder links the shared photos of each person into a folder per
// person, as a school brings them, and returns its root ("school").
func personFolder(t *testing.T, people map[string][]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "school")
	for person, photos := range people {
		require.NoError(t, os.MkdirAll(filepath.Join(root, person), 0o755))
		for i, ph := range photos {
			require.NoError(t, os.Symlink(testphotos.Path(t, ph), filepath.Join(root, person, fmt.Sprintf("%d%s", i, filepath.Ext(ph)))))
		}
	}
	return root
}

func TestEvalPairsOnPersonFolders(t *testing.T) {
	p := func(rel string) string { return testphotos.Path(t, rel) }
	people := map[string][]string{
		"biden":     {"faces/face_recognition-knn_train-biden/biden.jpg", "faces/face_recognition-knn_train-biden/biden2.jpg"},
		"obama":     {"faces/face_recognition-knn_train-obama/obama.jpg", "faces/face_recognition-knn_train-obama/obama2.jpg", "faces/dlib-nonface/eagle.jpg"},
		"harington": {"faces/face_recognition-knn_train-kit_harington/john1.jpeg", "faces/face_recognition-knn_train-kit_harington/john2.jpeg"},
	}
	root := personFolder(t, people)
	require.NoError(t, os.WriteFile(filepath.Join(root, "obama", "notes.txt"), []byte("not a photo"), 0o644))

	det := filepath.Join(t.TempDir(), "det.svg")
	code, stdout, stderr := cli(t, "eval-pairs", "--folders", root, "--plot", det)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "wrote "+det)
	svg, err := os.ReadFile(det)
	require.NoError(t, err)
	require.Contains(t, string(svg), "arcface", "the DET curves are drawn")
	// 7 photos: 21 pairs; 1 + 3 + 1 same-person pairs, 2 of them with the eagle.
	require.Contains(t, stdout, "21 pairs, 6 skipped (a photo without a single face; 2 of them same-person pairs, counted as false rejects)")
	require.Contains(t, stdout, filepath.Join("obama", "2.jpg")+": facematch: no face found", "the photo without a face is named")
	require.Contains(t, stdout, "| school | arcface | 5 / 12 | 0 (0.00 %) | 3 (60.00 %) | (too few pairs) | (too few pairs) |")

	lonely := filepath.Join(t.TempDir(), "one")
	require.NoError(t, os.MkdirAll(filepath.Join(lonely, "obama"), 0o755))
	require.NoError(t, os.Symlink(p("faces/face_recognition-knn_train-obama/obama.jpg"), filepath.Join(lonely, "obama", "a.jpg")))
	code, _, stderr = cli(t, "eval-pairs", "--folders", lonely)
	require.Equal(t, exitBadInput, code)
	require.Contains(t, stderr, "photos of 1 people: want one folder per person")

	single := filepath.Join(t.TempDir(), "single")
	for _, person := range []string{"obama", "biden"} {
		require.NoError(t, os.MkdirAll(filepath.Join(single, person), 0o755))
		require.NoError(t, os.Symlink(p(people[person][0]), filepath.Join(single, person, "a.jpg")))
	}
	code, _, stderr = cli(t, "eval-pairs", "--folders", single)
	require.Equal(t, exitBadInput, code)
	require.Contains(t, stderr, "no person has two photos")

	code, _, stderr = cli(t, "eval-pairs", "--folders", root, "extra.csv")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "--folders DIR")
}

// TestEvalDetectorsCommand: recheck eval-detectors prints the detector
// table for the photos under --shared, and says when there are none.
func TestEvalDetectorsCommand(t *testing.T) {
	p := func(rel string) string { return testphotos.Path(t, rel) }
	shared := t.TempDir()
	for _, rel := range []string{"faces/deepface/img14.jpg", "faces-east-asian/nz0001na_Asian_faces/caolei__116_1.jpg", "faces/dlib-nonface/giraffe.jpg"} {
		require.NoError(t, os.MkdirAll(filepath.Join(shared, filepath.Dir(rel)), 0o755))
		require.NoError(t, os.Symlink(p(rel), filepath.Join(shared, rel)))
	}
	code, stdout, stderr := cli(t, "eval-detectors", "--shared", shared)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "| as shot | 2 of 2 (100.0 %) |")
	require.Contains(t, stdout, "Faces found on 1 photos without a human face: HOG 0; UltraFace 0;")

	code, _, stderr = cli(t, "eval-detectors", "--shared", t.TempDir())
	require.Equal(t, exitBadInput, code)
	require.Contains(t, stderr, "no photos under")
}

func TestCTIDSimCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"RECHECK_MODELS_DIR": testmodels.Dir(t), "RECHECK_CTID_SIM_REGISTRY": t.TempDir(), "RECHECK_CTID_SIM_UNKNOWN": "not_found"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"ctid-sim", "--addr", addr}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	client := ctid.NewClient("http://"+addr, ctid.Config{AppID: "recheck-dev", Key: "recheck-dev-signing-key", Timeout: time.Second, Retries: 20})
	v := client.Verify(ctx, "张三", "11010519491231002X", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.Equal(t, ctid.IdentityInvalid, v.Outcome, "%+v", v)
	cancel()
	require.Equal(t, exitOK, <-done)
}

// TestWeChatSimCommand: the simulator as a command, driven by the real
// client: a refused openid, then a sent message listed by /sim/messages.
func TestWeChatSimCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"wechat-sim", "--addr", addr, "--refuse", "o-no"}, func(string) string { return "" }, io.Discard, io.Discard)
	}()
	tpl := &wechat.Templates{Default: map[string]wechat.Template{"*": {ID: "T", Data: map[string]string{"phrase1": "phrase"}}}}
	c, err := wechat.New(wechat.Config{URL: "http://" + addr, AppID: wechatsim.DevAppID, Secret: wechatsim.DevSecret, Templates: "-", Timeout: time.Second},
		tpl, redistest.Start(t).Client)
	require.NoError(t, err)
	m := notify.Message{OpenID: "o-no", School: "cjlu", Key: "approved", Phrase: "审核通过"}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err = c.Notify(ctx, m); errors.Is(err, notify.ErrPermanent) || time.Now().After(deadline) {
			break // the simulator is up
		}
	}
	require.ErrorIs(t, err, notify.ErrNotSubscribed)
	m.OpenID = "o-yes"
	_, err = c.Notify(ctx, m)
	require.NoError(t, err)
	resp, err := http.Get("http://" + addr + "/sim/messages")
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct {
		Messages []wechatsim.Received `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got.Messages, 1)
	require.Equal(t, "o-yes", got.Messages[0].ToUser)
	cancel()
	require.Equal(t, exitOK, <-done)
}

// TestCallbackSinkCommand: the sink verifies and prints what a sender
// posts, after failing the first request as asked.
func TestCallbackSinkCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	secret := "callback-secret-callback-secret-0004"
	out := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"callback-sink", "--addr", addr, "--key-id", "cb1", "--secret", secret, "--fail", "503"},
			func(string) string { return "" }, out, io.Discard)
	}()
	s := callback.NewSender(&callback.Settings{KeyID: "cb1", Secret: secret, Default: callback.Endpoints{URL: "http://" + addr + "/hook"}})
	p := callback.Payload{DeliveryID: "c1:2:upstream", CaptureID: "c1", School: "cjlu", State: capture.Approved}
	var code int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, _ = s.Send(ctx, capture.TargetUpstream, p); code != 0 {
			break // the sink is up
		}
	}
	require.Equal(t, http.StatusServiceUnavailable, code, "the first request fails as asked")
	code, err = s.Send(ctx, capture.TargetUpstream, p)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, code)
	bad := callback.NewSender(&callback.Settings{KeyID: "cb1", Secret: strings.Repeat("x", 32), Default: callback.Endpoints{URL: "http://" + addr + "/hook"}})
	code, err = bad.Send(ctx, capture.TargetUpstream, p)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, code)
	cancel()
	require.Equal(t, exitOK, <-done)
	require.Equal(t, 1, strings.Count(out.String(), `"delivery_id":"c1:2:upstream"`), out.String())
}

func TestUsageErrors(t *testing.T) {
	code, _, stderr := cli(t, "standardize", "only-one-arg")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "want 2 arguments")
	code, _, stderr = cli(t, "frobnicate")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, `unknown command "frobnicate"`)
	code, _, stderr = cli(t, "match", "a", "b", "--no-such-flag")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "no-such-flag")
}

func TestSheetCommand(t *testing.T) {
	dir := t.TempDir()
	html, pngOut := filepath.Join(dir, "sheet.html"), filepath.Join(dir, "sheet.png")
	code, stdout, stderr := cli(t, "sheet", testphotos.Path(t, "faces/hivision-demo/test0.jpg"),
		testphotos.Path(t, "faces/deepface/couple.jpg"), testphotos.Path(t, "faces/MANIFEST.md"),
		"--out", html, "--png", pngOut)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stdout, "3 photos: 1 accepted, 1 rejected, 1 unreadable")
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	require.Contains(t, string(page), "multiple_faces")
	f, err := os.Open(pngOut)
	require.NoError(t, err)
	defer f.Close()
	_, err = png.Decode(f)
	require.NoError(t, err)

	code, _, stderr = cli(t, "sheet", dir)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "--out")
}

// TestDevInitMovesCredentialsOutOfStorage: the credentials of an earlier
// dev-init, inside the storage root (./data/dev), move to
// ./dev-credentials with the keyring that opens the data.
func TestDevInitMovesCredentialsOutOfStorage(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, devInitCmd([]string{"--dir", oldDevDir}, io.Discard))
	ring, err := os.ReadFile(filepath.Join(oldDevDir, devDataKeys))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, devInitCmd(nil, &out))
	require.Contains(t, out.String(), "moved the development credentials")
	moved, err := os.ReadFile(filepath.Join(devDir, devDataKeys))
	require.NoError(t, err)
	require.Equal(t, ring, moved, "the same keyring, so the sealed data still opens")
	require.NoDirExists(t, oldDevDir)
}

func TestDevInitKeepsWhatExists(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, devInitCmd([]string{"--dir", dir}, &out))
	require.Contains(t, out.String(), "created development credentials")
	first, _, err := devKey(filepath.Join(dir, devKeysFile))
	require.NoError(t, err)
	require.Contains(t, out.String(), first, "the new upstream secret is shown once")
	out.Reset()
	require.NoError(t, devInitCmd([]string{"--dir", dir}, &out))
	require.Contains(t, out.String(), "using development credentials")
	second, _, err := devKey(filepath.Join(dir, devKeysFile))
	require.NoError(t, err)
	require.Equal(t, first, second, "the key stays, so signed commands keep working")
	require.NotContains(t, out.String(), first, "a later start does not print the upstream secret again")
	require.Contains(t, out.String(), filepath.Join(dir, devKeysFile), "it says where the secret is")

	// The env file gives a shell the settings make dev gives the service,
	// without overriding one the shell sets.
	sh := exec.Command("sh", "-c", `. "$1"; echo "$RECHECK_DATA_KEYS|$RECHECK_UPSTREAM_KEYS|$RECHECK_CTID_URL"`, "sh", filepath.Join(dir, devEnvFile))
	sh.Env = append(os.Environ(), "RECHECK_CTID_URL=https://ctid.example.cn")
	got, err := sh.Output()
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, devDataKeys)+"|"+filepath.Join(dir, devKeysFile)+"|https://ctid.example.cn\n", string(got))
	for _, f := range []string{devKeysFile, devUsersFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
	}
	keys, err := upstreamKeys(&Config{Schools: schools.Config{File: filepath.Join(dir, devSchools)}, Intake: intake.Config{UpstreamKeys: filepath.Join(dir, devKeysFile)}})
	require.NoError(t, err)
	require.Contains(t, keys, devKeyID)
	users, err := intake.LoadUsers(filepath.Join(dir, devUsersFile))
	require.NoError(t, err)
	require.Equal(t, intake.RoleAdmin, users["admin"].Role)
}

func TestHashPassword(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, hashPasswordCmd(strings.NewReader("correct horse battery\n"), &out))
	hash := strings.TrimSpace(out.String())
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse battery")))
	require.Error(t, hashPasswordCmd(strings.NewReader("short\n"), io.Discard), "too short")
}

// TestNewDataKeys: the command the missing-keyring error names writes a
// keyring the service opens, and never writes over one.
func TestNewDataKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	code, out, stderr := cli(t, "new-data-keys", path, "--id", "k1")
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, out, "RECHECK_DATA_KEYS="+path)
	ring, err := seal.Load(seal.Config{File: path})
	require.NoError(t, err)
	require.NotNil(t, ring)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	code, _, stderr = cli(t, "new-data-keys", path)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "never written over")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Contains(t, seal.ErrNoKey.Error(), "recheck new-data-keys", "the error names a command that exists")
}

// TestDevInitMovesKeySchoolsToTheDocument: a keys file of an earlier
// dev-init, which listed the key's schools, loses them to the schools
// document, and the key still acts for every school.
func TestDevInitMovesKeySchoolsToTheDocument(t *testing.T) {
	dir := t.TempDir()
	keysPath := filepath.Join(dir, devKeysFile)
	require.NoError(t, os.WriteFile(keysPath, []byte(`{"keys":[{"id":"dev","secret":"`+strings.Repeat("d", 48)+`","schools":["*"]}]}`), 0o600))
	require.NoError(t, devInitCmd([]string{"--dir", dir}, io.Discard))
	raw, err := os.ReadFile(keysPath)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "schools")
	require.Contains(t, string(raw), strings.Repeat("d", 48), "the secret stays")
	keys, err := upstreamKeys(&Config{Schools: schools.Config{File: filepath.Join(dir, devSchools)}, Intake: intake.Config{UpstreamKeys: keysPath}})
	require.NoError(t, err)
	require.Equal(t, []string{"*"}, keys[devKeyID].Schools)
}

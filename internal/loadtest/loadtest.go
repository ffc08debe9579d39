// Package loadtest drives a running recheck exactly as the upstream
// service and a reviewer do, and measures it: it registers an admission
// photo per synthetic student, posts a capture of the same person, confirms
// it, approves it as a scripted reviewer when it waits for review, and
// waits for every capture's final state; then it reports the sustained
// rate, submit-to-result latency, outcomes (which must add up to the
// inputs), stage times and process figures read from /metrics, and Redis
// commands per capture. `recheck load` is its command.
package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/intake/client"
	"github.com/recheck/recheck/texts"
)

// Options configure a run.
type Options struct {
	// Base is the intake API's URL; KeyID and Secret an upstream key.
	Base, KeyID, Secret string
	// Token is an admin's API token: it approves captures waiting for
	// review and reads /metrics.
	Token                 string
	Captures, Concurrency int
	// Rate, when set, starts a capture every 1/Rate seconds (an open
	// loop, as students arrive) instead of keeping Concurrency busy; at
	// most Concurrency are in flight.
	Rate   float64
	School string
	// Photos is a labelled folder (one subfolder per person, or
	// <person>__… files); Size is as-is, 1mp or 12mp.
	Photos, Size string
	// Redis, when set, is read for the commands a capture costs.
	Redis redis.UniversalClient
	// Poll is how often a capture's state is read (default 100 ms).
	Poll time.Duration
	// Progress, when set, is called as captures finish, one call at a
	// time.
	Progress func(done, total int, outcomes map[string]int)
	// Accepted, when set, is called as each capture is accepted (202),
	// from the goroutine that submitted it: a fault test's clock for the
	// first capture accepted after a fault.
	Accepted func(at time.Time)
}

// Report is what a run measured.
type Report struct {
	Captures    int                `json:"captures"`
	Size        string             `json:"size"`
	InputBytes  map[string]int     `json:"input_bytes"`
	Seconds     float64            `json:"seconds"`
	Rate        float64            `json:"captures_per_second"`
	LatencyP50  float64            `json:"latency_p50_ms"`
	LatencyP95  float64            `json:"latency_p95_ms"`
	LatencyP99  float64            `json:"latency_p99_ms"`
	Outcomes    map[string]int     `json:"outcomes"`
	Errors      []string           `json:"errors,omitempty"`
	StageMS     map[string]float64 `json:"stage_ms_per_capture"`
	CPUSeconds  float64            `json:"cpu_seconds_per_capture"`
	PeakRSSMB   float64            `json:"peak_rss_mb"`
	RedisPerCap float64            `json:"redis_commands_per_capture"`
	// Admissions is the registration of the students' admission photos,
	// done before the captures and outside their figures (the upstream
	// sends them when students are admitted, not when they shoot).
	Admissions Phase `json:"admissions"`
	// RSS is the service's peak resident memory in each tenth of the run,
	// to show whether it grows with the captures.
	RSS []RSSPoint `json:"rss"`
}

// Phase is a part of the run done before the measured captures.
type Phase struct {
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"per_second"`
}

// RSSPoint is the peak resident memory seen up to Captures finished
// captures, since the previous point.
type RSSPoint struct {
	Captures int     `json:"captures"`
	PeakMB   float64 `json:"peak_mb"`
}

// final are the states a capture ends in.
var final = map[string]bool{"approved": true, "rejected": true, "blocked": true, "escalated": true, "referred": true,
	"review_rejected": true, "failed": true}

type input struct{ admission, captured []byte }

// Run drives opt.Captures captures through the service.
func Run(ctx context.Context, opt Options) (Report, error) {
	if opt.Captures < 1 || opt.Concurrency < 1 {
		return Report{}, errors.New("loadtest: captures and concurrency must be at least 1")
	}
	if opt.Rate < 0 {
		return Report{}, errors.New("loadtest: the rate must not be negative")
	}
	if opt.Poll <= 0 {
		opt.Poll = 100 * time.Millisecond
	}
	ppl, err := people(opt.Photos)
	if err != nil {
		return Report{}, err
	}
	// The photos, prepared before the clock starts: one input per person,
	// made unique per student when sent.
	inputs := make([]input, len(ppl))
	rep := Report{Captures: opt.Captures, Size: opt.Size, InputBytes: map[string]int{}, Outcomes: map[string]int{}, StageMS: map[string]float64{}}
	var total, smallest, largest int
	for i, p := range ppl {
		c, err := sized(p.captured, opt.Size, uint64(i+1))
		if err != nil {
			return rep, fmt.Errorf("%s: %w", p.name, err)
		}
		inputs[i] = input{admission: p.admission, captured: c}
		total += len(c)
		if smallest == 0 || len(c) < smallest {
			smallest = len(c)
		}
		largest = max(largest, len(c))
	}
	rep.InputBytes = map[string]int{"mean": total / len(inputs), "min": smallest, "max": largest, "people": len(inputs)}

	up := client.New(opt.Base, opt.KeyID, opt.Secret)
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	student := func(i int) string { return fmt.Sprintf("L%s-%06d", stamp, i) }
	regStart := time.Now()
	if err := parallel(ctx, opt.Captures, opt.Concurrency, func(i int) error {
		return register(ctx, up, opt, student(i), inputs[i%len(inputs)])
	}); err != nil {
		return rep, err
	}
	rep.Admissions = Phase{Count: opt.Captures, Seconds: time.Since(regStart).Seconds()}
	rep.Admissions.Rate = float64(opt.Captures) / rep.Admissions.Seconds

	before, err := scrape(ctx, opt)
	if err != nil {
		return rep, err
	}
	var redisBefore int64
	if opt.Redis != nil {
		redisBefore, _ = redisCalls(ctx, opt.Redis)
	}
	var (
		mu        sync.Mutex
		latencies []float64
		done      atomic.Int64
		next      atomic.Int64
		peakRSS   atomic.Uint64
		wg        sync.WaitGroup
	)
	tenths := make([]float64, 10) // peak RSS in each tenth of the captures
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	go func() { // the process's memory while the run goes on
		defer close(rssDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopRSS:
				return
			case <-t.C:
				if m, err := scrape(ctx, opt); err == nil {
					v := m["process_resident_memory_bytes"]
					if uint64(v) > peakRSS.Load() {
						peakRSS.Store(uint64(v))
					}
					k := min(9, int(done.Load())*10/opt.Captures)
					tenths[k] = max(tenths[k], v/(1<<20))
				}
			}
		}
	}()
	drive := func(i int) {
		state, ms, err := one(ctx, up, opt, inputs[i%len(inputs)].captured, student(i))
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			rep.Errors = append(rep.Errors, student(i)+": "+err.Error())
			rep.Outcomes["error"]++
		} else {
			rep.Outcomes[state]++
			latencies = append(latencies, ms)
		}
		d := int(done.Add(1))
		if opt.Progress != nil {
			out := map[string]int{}
			for k, v := range rep.Outcomes {
				out[k] = v
			}
			opt.Progress(d, opt.Captures, out) // one call at a time
		}
	}
	start := time.Now()
	if opt.Rate > 0 {
		// Open loop: a capture every 1/Rate seconds, however long the
		// earlier ones take (at most Concurrency at once).
		slots := make(chan struct{}, opt.Concurrency)
		interval := time.Duration(float64(time.Second) / opt.Rate)
		for i := 0; i < opt.Captures && ctx.Err() == nil; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				drive(i)
			}()
		}
	} else {
		for range opt.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= opt.Captures || ctx.Err() != nil {
						return
					}
					drive(i)
				}
			}()
		}
	}
	wg.Wait()
	close(stopRSS)
	<-rssDone
	for k, v := range tenths {
		if v > 0 {
			rep.RSS = append(rep.RSS, RSSPoint{Captures: (k + 1) * opt.Captures / 10, PeakMB: v})
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.Rate = float64(opt.Captures) / rep.Seconds
	sort.Float64s(latencies)
	rep.LatencyP50, rep.LatencyP95, rep.LatencyP99 = pct(latencies, 0.5), pct(latencies, 0.95), pct(latencies, 0.99)
	after, err := scrape(ctx, opt)
	if err != nil {
		return rep, err
	}
	n := float64(opt.Captures)
	for _, st := range []string{"standardize", "match", "ctid", "notify", "callback"} {
		k := `recheck_stage_duration_seconds_sum{stage="` + st + `"}`
		rep.StageMS[st] = (after[k] - before[k]) * 1000 / n
	}
	rep.CPUSeconds = (after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"]) / n
	rep.PeakRSSMB = float64(max(peakRSS.Load(), uint64(after["process_resident_memory_bytes"]))) / (1 << 20)
	if opt.Redis != nil {
		if c, err := redisCalls(ctx, opt.Redis); err == nil {
			rep.RedisPerCap = float64(c-redisBefore) / n
		}
	}
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	return rep, nil
}

// parallel runs fn for 0..n-1 on c goroutines and returns the first
// error.
func parallel(ctx context.Context, n, c int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// register puts a student's admission photo on file.
func register(ctx context.Context, up *client.Client, opt Options, student string, in input) error {
	resp, err := retryBusy(ctx, func() (*client.Response, error) {
		return up.PutAdmissionPhoto(ctx, opt.School, student, unique(in.admission, student))
	})
	if err != nil {
		return fmt.Errorf("loadtest: admission photo of %s: %w", student, err)
	}
	if resp.Status >= 300 {
		return fmt.Errorf("loadtest: admission photo of %s: %d %s", student, resp.Status, resp.Body)
	}
	return nil
}

// one takes one student with an admission photo on file from the capture
// to a final state and returns it with the time from submission to the
// comparison's result.
func one(ctx context.Context, up *client.Client, opt Options, captured []byte, student string) (string, float64, error) {
	start := time.Now()
	resp, err := retryBusy(ctx, func() (*client.Response, error) {
		return up.SubmitCapture(ctx, client.Capture{School: opt.School, Cohort: "load", StudentID: student, OpenID: "o-" + student,
			DocumentType: "resident_id", DocumentNumber: residentID(student), Name: texts.SampleStudentName}, unique(captured, student), student)
	})
	if err != nil {
		return "", 0, err
	}
	if resp.Status != http.StatusAccepted && resp.Status != http.StatusOK {
		return "", 0, fmt.Errorf("submit: %d %s", resp.Status, resp.Body)
	}
	if opt.Accepted != nil {
		opt.Accepted(time.Now())
	}
	var c struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := json.Unmarshal(resp.Body, &c); err != nil {
		return "", 0, err
	}
	confirmed := false
	for {
		switch {
		case c.State == "awaiting_confirmation" && !confirmed:
			r, err := retryBusy(ctx, func() (*client.Response, error) {
				return up.PostJSON(ctx, "/v1/captures/"+c.ID+"/confirm", map[string]string{"admission_photo": "mine"})
			})
			if err != nil {
				return "", 0, err
			}
			if r.Status != http.StatusOK {
				return "", 0, fmt.Errorf("confirm: %d %s", r.Status, r.Body)
			}
			confirmed = true
		case c.State == "pending_review":
			ms := float64(time.Since(start).Microseconds()) / 1000
			state, err := approve(ctx, opt, c.ID)
			return state, ms, err
		case final[c.State]:
			return c.State, float64(time.Since(start).Microseconds()) / 1000, nil
		}
		select {
		case <-ctx.Done():
			return "", 0, ctx.Err()
		case <-time.After(opt.Poll):
		}
		r, err := retryBusy(ctx, func() (*client.Response, error) { return up.Get(ctx, "/v1/captures/"+c.ID) })
		if err != nil {
			return "", 0, err
		}
		if r.Status != http.StatusOK {
			return "", 0, fmt.Errorf("read capture: %d %s", r.Status, r.Body)
		}
		if err := json.Unmarshal(r.Body, &c); err != nil {
			return "", 0, err
		}
	}
}

// approve is the scripted reviewer; like a person, it tries again while
// the service answers 503.
func approve(ctx context.Context, opt Options, id string) (string, error) {
	for {
		state, retry, err := approveOnce(ctx, opt, id)
		if !retry {
			return state, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func approveOnce(ctx context.Context, opt Options, id string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, opt.Base+"/v1/captures/"+id+"/review", strings.NewReader(`{"decision":"approve"}`))
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+opt.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return "", true, nil
	}
	var c struct {
		State string `json:"state"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("review: %d %v", resp.StatusCode, err)
	}
	return c.State, false, nil
}

// scrape reads the service's /metrics as an admin.
func scrape(ctx context.Context, opt Options) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, opt.Base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+opt.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: metrics: HTTP %d (the token must be an admin's)", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				out[line[:i]] = v
			}
		}
	}
	return out, sc.Err()
}

// redisCalls is the total of Redis's command counts.
func redisCalls(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		_, rest, ok := strings.Cut(line, "calls=")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.SplitN(rest, ",", 2)[0], 10, 64)
		total += n
	}
	return total, nil
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// residentID makes a valid mainland resident ID number for a synthetic
// student "L<run>-<index>" (Beijing Xicheng), so that captures go through
// CTID as a mainland student's do. A school registers each number to one
// student (a second student with it is refused, document_in_use), so the
// numbers must differ: within a run, the index picks the birth date
// (1960-2009) and sequence, from an offset the run's stamp picks among
// 18 million, so that runs against the same deployment rarely meet (two
// runs of 10,000 captures overlap with a chance of about 0.1 %).
func residentID(student string) string {
	run, index, _ := strings.Cut(strings.TrimPrefix(student, "L"), "-")
	f := fnv.New64a()
	f.Write([]byte(run))
	h := f.Sum64()
	i, err := strconv.ParseUint(index, 10, 64)
	if err != nil { // not one of this package's names: any fixed number
		f.Write([]byte(index))
		i = f.Sum64()
	}
	const days, seqs = 18262, 1000 // 1960-01-01 to 2009-12-31, 000-999
	k := (h + i) % (days * seqs)
	born := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(k/seqs))
	n := fmt.Sprintf("110102%s%03d", born.Format("20060102"), k%seqs)
	return n + string(identity.ResidentIDCheck(n))
}

// retryBusy sends again, as an upstream does, while the service answers
// 503 or 429 with Retry-After (its upload gate is full, its queue high), or
// 409 request_in_progress (an earlier try with the same Idempotency-Key
// is still held: after a Redis outage, until the service has cleaned it
// up, seconds once Redis answers).
func retryBusy(ctx context.Context, send func() (*client.Response, error)) (*client.Response, error) {
	for {
		resp, err := send()
		if err != nil {
			return resp, err
		}
		inProgress := resp.Status == http.StatusConflict && resp.Error().Code == "request_in_progress"
		if resp.Status != http.StatusServiceUnavailable && resp.Status != http.StatusTooManyRequests && !inProgress {
			return resp, nil
		}
		wait, perr := strconv.Atoi(resp.Header.Get("Retry-After"))
		if perr != nil || resp.Status == http.StatusTooManyRequests && wait > 60 {
			return resp, nil // a quota refusal, not back-pressure
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(max(wait, 1)) * time.Second / 4):
		}
	}
}

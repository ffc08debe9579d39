// Package wechat sends recheck's notifications as WeChat subscribe messages
// (订阅消息): a client of the stable-token and send APIs that shares one
// access token among every worker through Redis, fills each school's
// templates within WeChat's value limits, and sorts WeChat's error codes
// into retry, refresh, not subscribed and configuration errors. Package
// wechatsim is a simulator of the same API for tests and development.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/notify"
)

// Config configures the WeChat client.
type Config struct {
	// URL is WeChat's API base; empty: notifications go to the log.
	URL string `env:"RECHECK_WECHAT_URL" help:"WeChat API base URL (https://api.weixin.qq.com), or a wechat-sim's; empty: notifications are only logged"`
	// AppID and Secret are the mini program's credentials.
	AppID  string `env:"RECHECK_WECHAT_APPID" help:"the mini program's AppID (required with RECHECK_WECHAT_URL)"`
	Secret string `env:"RECHECK_WECHAT_SECRET" help:"the mini program's AppSecret (required with RECHECK_WECHAT_URL)" secret:"true"`
	// Templates is the file of subscribe-message templates per school.
	Templates string `env:"RECHECK_WECHAT_TEMPLATES" help:"deprecated (the wechat section of RECHECK_SCHOOLS): JSON file of subscribe-message templates per school and notice"`
	// State is WeChat's miniprogram_state of the messages sent with the
	// schools document's templates.
	State string `env:"RECHECK_WECHAT_STATE" default:"formal" help:"miniprogram_state of the messages: formal, trial or developer"`
	// Timeout bounds each HTTP request.
	Timeout time.Duration `env:"RECHECK_WECHAT_TIMEOUT" default:"10s" help:"timeout of each WeChat request"`
}

// Enabled reports whether WeChat is configured.
func (c Config) Enabled() bool { return c.URL != "" }

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.URL == "" {
		return nil
	}
	var errs []error
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("wechat: RECHECK_WECHAT_URL must be an http(s) URL, got %q", c.URL))
	}
	if c.AppID == "" || c.Secret == "" {
		errs = append(errs, errors.New("wechat: RECHECK_WECHAT_APPID and RECHECK_WECHAT_SECRET are required with RECHECK_WECHAT_URL"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("wechat: RECHECK_WECHAT_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// APIError is an error code WeChat answered. It unwraps to
// notify.ErrNotSubscribed (43101), notify.ErrConfiguration (40003, 40037,
// 47003, 41030), or notify.ErrNotSent (retried: -1, 45009 and the rest):
// in every case WeChat did not deliver the message.
type APIError struct {
	Op      string
	Code    int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: %s: errcode %d (%s): %v", e.Op, e.Code, e.Message, e.Unwrap())
}

// Unwrap sorts the code.
func (e *APIError) Unwrap() error {
	switch e.Code {
	case 43101:
		return notify.ErrNotSubscribed
	case 40003, 40037, 47003, 41030:
		return notify.ErrConfiguration
	}
	return notify.ErrNotSent
}

func tokenInvalid(code int) bool { return code == 40001 || code == 42001 || code == 40014 }

// Client sends subscribe messages. It is safe for concurrent use, and
// clients of one AppID in any number of processes share one token.
type Client struct {
	cfg       Config
	templates *Templates
	http      *http.Client
	tokens    *tokens

	onCode func(int)
}

// Option changes a Client.
type Option func(*Client)

// WithClock sets the clock the token's expiry is judged by (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.tokens.now = now } }

// WithErrorHook calls fn with every error code WeChat answers (metrics).
func WithErrorHook(fn func(code int)) Option { return func(c *Client) { c.onCode = fn } }

// New returns a client for cfg with its templates, sharing its token
// through rdb.
func New(cfg Config, templates *Templates, rdb redis.UniversalClient, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, errors.New("wechat: RECHECK_WECHAT_URL is not set")
	}
	if err := templates.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, templates: templates, http: &http.Client{Timeout: cfg.Timeout}}
	c.tokens = &tokens{
		rdb: rdb, prefix: keyspace.WeChat(cfg.AppID), fetch: c.fetchToken, now: time.Now,
		before: 5 * time.Minute, lockTTL: 15 * time.Second, wait: 50 * time.Millisecond,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

type apiAnswer struct {
	ErrCode     int         `json:"errcode"`
	ErrMsg      string      `json:"errmsg"`
	AccessToken string      `json:"access_token"`
	ExpiresIn   int         `json:"expires_in"`
	MsgID       json.Number `json:"msgid"`
}

func (c *Client) post(ctx context.Context, op, path string, body any) (apiAnswer, error) {
	var a apiAnswer
	b, err := json.Marshal(body)
	if err != nil {
		return a, fmt.Errorf("wechat: %s: encode: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.cfg.URL, "/")+path, bytes.NewReader(b))
	if err != nil {
		return a, fmt.Errorf("wechat: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return a, fmt.Errorf("wechat: %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return a, fmt.Errorf("wechat: %s: read answer: %w", op, err)
	}
	a, err = parseAnswer(op, resp.StatusCode, data)
	var apiErr *APIError
	if errors.As(err, &apiErr) && c.onCode != nil {
		c.onCode(apiErr.Code)
	}
	return a, err
}

// parseAnswer reads WeChat's answer: any HTTP status but 200 or a body
// that is not JSON is an error (retried), a non-zero errcode an *APIError.
func parseAnswer(op string, status int, data []byte) (apiAnswer, error) {
	var a apiAnswer
	if status != http.StatusOK {
		return a, fmt.Errorf("wechat: %s: HTTP %d", op, status)
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return a, fmt.Errorf("wechat: %s: answer is not JSON: %w", op, err)
	}
	if a.ErrCode != 0 {
		return a, &APIError{Op: op, Code: a.ErrCode, Message: a.ErrMsg}
	}
	return a, nil
}

func (c *Client) fetchToken(ctx context.Context, force bool) (string, time.Duration, error) {
	a, err := c.post(ctx, "stable_token", "/cgi-bin/stable_token", map[string]any{
		"grant_type": "client_credential", "appid": c.cfg.AppID, "secret": c.cfg.Secret, "force_refresh": force,
	})
	if err != nil {
		return "", 0, err
	}
	if a.AccessToken == "" || a.ExpiresIn <= 0 {
		return "", 0, errors.New("wechat: stable_token: answer without a token")
	}
	return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
}

// Message builds the send request's body for m, every value fitted to its
// key's limit.
func (c *Client) Message(m notify.Message) (map[string]any, error) {
	tpl, ok := c.templates.For(m.School, m.Key)
	if !ok {
		return nil, fmt.Errorf("%w: no WeChat template for school %q, notice %q", notify.ErrConfiguration, m.School, m.Key)
	}
	data := map[string]map[string]string{}
	for k, src := range tpl.Data {
		typ, _ := KeyType(k)
		var v string
		switch src {
		case "phrase":
			v = m.Phrase
		case "detail":
			v = m.Detail
		case "time":
			v = m.At.In(c.templates.Location).Format(TimeLayout)
		case "date":
			v = m.At.In(c.templates.Location).Format(DateLayout)
		case "capture_id":
			v = strings.ReplaceAll(m.CaptureID, "-", "")
		case "school":
			v = m.School
		default:
			v = strings.TrimPrefix(src, "=")
		}
		v = Fit(typ, v)
		if err := CheckValue(typ, v); err != nil {
			return nil, fmt.Errorf("%w: notice %q, key %s: %v", notify.ErrConfiguration, m.Key, k, err)
		}
		data[k] = map[string]string{"value": v}
	}
	body := map[string]any{
		"touser": m.OpenID, "template_id": tpl.ID, "data": data,
		"miniprogram_state": c.templates.State, "lang": c.templates.Lang,
	}
	if tpl.Page != "" {
		body["page"] = strings.ReplaceAll(tpl.Page, "{capture_id}", m.CaptureID)
	}
	return body, nil
}

// Notify implements notify.Notifier: it sends m with the school's template
// for its notice, refreshing the shared token once when WeChat says it is
// invalid or expired.
func (c *Client) Notify(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	if m.OpenID == "" {
		return notify.Receipt{}, fmt.Errorf("%w: the student has no openid", notify.ErrNotSubscribed)
	}
	body, err := c.Message(m)
	if err != nil {
		return notify.Receipt{}, err
	}
	tok, err := c.tokens.Get(ctx)
	if err != nil {
		return notify.Receipt{}, err
	}
	for refreshed := false; ; refreshed = true {
		a, err := c.post(ctx, "send", "/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), body)
		var apiErr *APIError
		if errors.As(err, &apiErr) && tokenInvalid(apiErr.Code) && !refreshed {
			if tok, err = c.tokens.Invalidate(ctx, tok); err != nil {
				return notify.Receipt{}, err
			}
			continue
		}
		if err != nil {
			return notify.Receipt{}, err
		}
		return notify.Receipt{MsgID: a.MsgID.String()}, nil
	}
}

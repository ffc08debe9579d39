package intake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
)

// apiError is an error the API returns as
// {"error":{"code":"...","message":"...","message_zh":"..."}}.
type apiError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
	// Field names the request field at fault, when there is one.
	Field string `json:"field,omitempty"`
	// RetryAt is when the student may try again (RFC 3339), for a refusal
	// that waiting cures (the day's quota).
	RetryAt string `json:"retry_at,omitempty"`
	// State is the capture's state, for a request its state does not allow.
	State capture.State `json:"state,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Chinese messages of the API's own error codes.
var messagesZH = map[string]string{
	"invalid_request":                "请求格式不正确",
	"multipart_required":             "请以 multipart/form-data 格式上传照片和信息",
	"missing_field":                  "缺少必填信息",
	"invalid_field":                  "填写的信息格式不正确",
	"unknown_field":                  "请求中包含无法识别的字段",
	"duplicate_field":                "请求中的字段重复",
	"request_too_large":              "请求内容过大",
	"idempotency_key_reused":         "该请求编号已用于另一张照片，请勿重复使用",
	"idempotency_key_invalid":        "请求编号格式不正确",
	"request_in_progress":            "相同的请求正在处理中，请稍后再试",
	"not_found":                      "未找到相关记录",
	"nothing_to_export":              "该学校（或该批次）暂无审核通过的照片可导出",
	"invalid_cohort":                 "批次名称不正确",
	"unavailable":                    "服务暂时不可用，请稍后重试",
	"method_not_allowed":             "不支持的请求方式",
	"unauthorized":                   "请求未通过身份验证（需签名或登录）",
	"unsupported_media_type":         "请以 JSON 格式提交",
	"forbidden":                      "无权进行此操作",
	"busy":                           "服务繁忙，请稍后重试",
	"overloaded":                     "当前提交人数较多，请稍后再试，已提交的照片不受影响",
	"csrf_invalid":                   "页面已过期或来源不正确，请刷新页面后重试",
	"cross_site_request":             "请求来自其他网站，已拒绝；请在本系统页面上操作",
	"session_expired":                "登录已过期，请重新登录",
	"token_invalid":                  "访问令牌无效",
	"basic_auth_off":                 "不支持用户名密码直接访问，请在登录页登录或使用访问令牌",
	"login_throttled":                "密码错误次数过多，请稍后再试",
	"account_locked":                 "该账号因密码错误次数过多已锁定，请联系管理员或学籍部门解锁",
	"signature_invalid":              "请求签名无效",
	"signature_expired":              "请求已过期，请校准时间后重试",
	"signature_replayed":             "请求重复提交",
	"body_digest_mismatch":           "请求内容与签名不符",
	"admission_photo_locked":         "录取照片已存档，不可更换；如有错误或缺失，请联系学籍部门",
	"admission_photo_no_face":        "录取照片中未检测到人脸，请上传清晰的正面免冠照片",
	"admission_photo_multiple_faces": "录取照片中有多张人脸，请上传本人单人照片",
}

func newError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message, MessageZH: messagesZH[code]}
}

func fieldError(code, field, message string) *apiError {
	e := newError(http.StatusBadRequest, code, message)
	e.Field = field
	return e
}

// fromImaging maps an unusable photo to its API error.
func fromImaging(e *imaging.Error) *apiError {
	status := http.StatusUnprocessableEntity
	switch e.Code {
	case imaging.CodeUnsupported:
		status = http.StatusUnsupportedMediaType
	case imaging.CodeTooLarge:
		status = http.StatusRequestEntityTooLarge
	}
	return &apiError{Status: status, Code: e.Code, Message: e.Message, MessageZH: e.MessageZH, Field: "photo"}
}

// probePhoto reads a photo's header; an unusable photo becomes its API
// error.
func probePhoto(data []byte, lim imaging.Limits) (imaging.Info, error) {
	info, err := imaging.Probe(data, lim)
	var ie *imaging.Error
	if errors.As(err, &ie) {
		return info, fromImaging(ie)
	}
	return info, err
}

// stripPhoto drops a photo's metadata (GPS positions, maker notes) before
// it is stored, keeping its pixels and orientation.
func stripPhoto(data []byte, info imaging.Info) ([]byte, error) {
	out, err := imaging.StripMetadata(data, info)
	var ie *imaging.Error
	if errors.As(err, &ie) {
		return nil, fromImaging(ie)
	}
	return out, err
}

// fromIdentity maps a document validation failure to its API error.
func fromIdentity(e *identity.Error, field string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: e.Code, Message: e.Message, MessageZH: e.MessageZH, Field: field}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// fromDomain maps the lifecycle's typed errors to API errors: a refusal of
// the journey (429 for the day's quota, with Retry-After, 409 otherwise), a
// state conflict (409), an invalid request (400), an unknown capture (404).
func fromDomain(err error) (*apiError, bool) {
	var re *capture.RefusedError
	var ce *capture.ConflictError
	var ie *capture.InvalidError
	switch {
	case errors.As(err, &re):
		e := &apiError{Status: http.StatusConflict, Code: re.Code, Message: re.Message, MessageZH: re.MessageZH}
		if !re.RetryAt.IsZero() {
			e.Status, e.RetryAt = http.StatusTooManyRequests, re.RetryAt.UTC().Format(time.RFC3339)
		}
		return e, true
	case errors.As(err, &ce):
		return &apiError{Status: http.StatusConflict, Code: ce.Code, Message: ce.Message, MessageZH: ce.MessageZH, State: ce.State}, true
	case errors.As(err, &ie):
		e := fieldError("invalid_field", ie.Field, ie.Message)
		return e, true
	case errors.Is(err, capture.ErrNotFound):
		return newError(http.StatusNotFound, "not_found", "no such capture"), true
	}
	return nil, false
}

// writeError writes err as the API's JSON error; errors that are neither
// *apiError nor the lifecycle's typed errors become a 503 whose message
// does not leak internals.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		var ok bool
		if ae, ok = fromDomain(err); !ok {
			ae = newError(http.StatusServiceUnavailable, "unavailable", "the service could not complete the request; retry later")
		}
	}
	switch {
	case ae.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "":
		w.Header().Set("Retry-After", "5")
	case ae.RetryAt != "" && w.Header().Get("Retry-After") == "":
		if t, err := time.Parse(time.RFC3339, ae.RetryAt); err == nil {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(t).Seconds()+0.5))))
		}
	}
	writeJSON(w, ae.Status, map[string]*apiError{"error": ae})
}

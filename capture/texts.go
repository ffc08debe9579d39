package capture

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the catalogue of every text recheck shows a student about
// their capture and journey: the status line of the API (message_zh), the
// notifications, the refusals at intake and the review flags. Texts follow
// the capture instructions' own wording (../shared/docs/capture-flow-zh.txt).
// Numbers that a school may change (the pass line, the day's allowance) are
// filled in from the rules.

// statusTexts is the API's status line, keyed by state or state/reason.
// %[1]g is the pass line, %[2]d the failed attempts allowed, %[3]d the
// day's standardizations.
var statusTexts = map[string]string{
	"queued":                           "照片已提交，正在进行照片质量检测和标准化",
	"rejected":                         "照片不符合拍摄要求，请按提示重新拍摄（照片不符合要求可免费重拍）",
	"awaiting_confirmation":            "照片已标准化，请确认本次采集照片符合要求，并确认录取照片是否为本人",
	"referred/admission_photo_wrong":   "您反馈录取照片不是本人，暂不进行比对，请联系学籍部门处理",
	"referred/admission_photo_missing": "您反馈录取照片缺失，暂不进行比对，请联系学籍部门处理",
	"matching":                         "正在进行人像比对和人证比对，请稍后查看结果",
	"on_hold/admission_photo_missing":  "录取照片缺失，暂不进行比对，请联系学籍部门",
	"on_hold/admission_photo_unusable": "录取照片无法使用，暂不进行比对，请联系学籍部门",
	"on_hold/admission_photo_disputed": "您已反馈录取照片有误或缺失，学籍部门处理前暂不进行比对，处理后将自动比对，无需重新拍摄",
	"on_hold/document_in_use":          "您填写的证件号码与本校其他学生登记的相同，学籍部门核实前暂不进行比对，请联系学籍部门",
	"on_hold/ctid_unavailable":         "身份核验正在进行中，请稍后查看结果",
	"blocked/portrait_score_low":       "人像比对分数低于 %[1]g 分，已被系统自动拦截，请重新拍摄照片比对",
	"blocked/ctid_suspected":           "人证比对结果为疑似（照片质量、光线、尺寸太小或长相类似），请保证光线充足、人脸清晰后重新拍摄。" + adviceRenewID,
	"blocked/ctid_not_same_person":     "人证比对结果为非同一人，请确定拍摄照片为本人后重新拍摄。" + adviceRenewID,
	"blocked/ctid_identity_invalid":    "身份信息无效或不匹配，请检查身份信息是否正确，或使用具有 NFC 功能的手机下载 CTID 官方 APP 开通网证后重新拍摄",
	"pending_review":                   "人像比对通过，等待人工审核",
	"approved":                         "审核通过，已完成新生入学资格复查线上采集",
	"review_rejected":                  "审核未通过，可免费重拍提交",
	"escalated/attempts_exhausted":     "已更换 %[2]d 张符合采集要求的照片，比对结果均不合格，已转学籍部门处理，请联系学籍部门",
	"escalated/reviews_exhausted":      "人工审核未通过，免费重拍提交次数已用完，已转学籍部门处理，请联系学籍部门",
	"failed":                           "照片处理暂时失败，工作人员正在处理，请稍后查看结果",
	"superseded":                       "您已提交新的照片，本张照片不再使用",
}

// The CTID advice of the capture instructions (step 14), kept on every
// text about a CTID outcome, the escalation included.
const (
	// adviceRenewID is the instructions' advice when the population
	// database's photo is the problem (outcomes 2 and 3: suspected, not the
	// same person).
	adviceRenewID = "如重新拍摄后仍无法通过，可在当地公安机关更换新身份证，待人口库照片更新后再尝试"
	// adviceOpenCTID is the advice for invalid or mismatched identity
	// information (outcome 1).
	adviceOpenCTID = "请检查身份信息是否正确，或使用具有 NFC 功能的手机下载 CTID 官方 APP 开通网证后，再重新进行人口库身份核验"
)

// escalationAdvice is what the escalation after the last failed attempt
// adds for the CTID outcome that blocked it.
var escalationAdvice = map[string]string{
	ReasonCTIDIdentityInvalid: "身份核验未通过：" + adviceOpenCTID,
	ReasonCTIDSuspected:       "人证比对结果为疑似：" + adviceRenewID,
	ReasonCTIDNotSamePerson:   "人证比对结果为非同一人：" + adviceRenewID,
}

// StatusText is the status line the API shows for a capture under the
// school's rules.
func StatusText(rec *Record, r Rules) string {
	key := string(rec.State)
	switch rec.State {
	case OnHold:
		key += "/" + string(rec.HoldReason)
	case Blocked:
		key += "/" + rec.BlockReason
	case Escalated:
		key += "/" + rec.Escalation
	case Referred:
		if rec.Confirmation != nil {
			key += "/admission_photo_" + string(rec.Confirmation.Answer)
		}
	}
	t, ok := statusTexts[key]
	if !ok {
		t = statusTexts[string(rec.State)]
	}
	if t == "" {
		t = "照片正在处理，请稍后查看结果"
	}
	pass := r.PassScore
	if rec.Match != nil && rec.Match.PassScore > 0 {
		pass = rec.Match.PassScore
	}
	t = fill(t, pass, r.FailedAttempts, r.DailyStandardizations)
	if rec.State == ReviewRejected && rec.Decision != nil && rec.Decision.Reason != "" {
		t = "审核未通过：" + rec.Decision.Reason + "。可免费重拍提交"
	}
	if a := escalationAdvice[rec.BlockReason]; rec.State == Escalated && a != "" {
		t += "。" + a
	}
	return withContacts(t, r.Help)
}

// withContacts adds to a text that sends the student to someone how to
// reach them, as the school's rules give it: the records office
// (学籍部门), the CTID hotline (网证客服) after the advice to open the
// online ID, and customer service (客服) on a processing failure.
func withContacts(t string, h Help) string {
	if h.RecordsOffice != "" {
		t = strings.ReplaceAll(t, "请联系学籍部门", "请联系学籍部门（"+h.RecordsOffice+"）")
	}
	if h.CTIDHotline != "" && strings.Contains(t, "开通网证") {
		t += "。开通网证遇到问题可联系网证客服电话：" + h.CTIDHotline + hours(h.CTIDHours)
	}
	if h.ServicePhone != "" && strings.Contains(t, "工作人员正在处理") {
		t += "。如有疑问可拨打客服电话：" + h.ServicePhone + hours(h.ServiceHours)
	}
	return t
}

func hours(h string) string {
	if h == "" {
		return ""
	}
	return "（" + h + "）"
}

// noticeTexts are the notifications, keyed like statusTexts: a WeChat
// "phrase" (at most 5 characters) and a "thing" (at most 20).
var noticeTexts = map[string][2]string{
	"rejected":                         {"照片不合格", "照片不符合拍摄要求，请免费重拍"},
	"blocked/portrait_score_low":       {"比对未通过", "人像比对分数低于%[1]g分，请重新拍摄"},
	"blocked/ctid_suspected":           {"核验未通过", "人证核验疑似，请在光线充足处重拍"},
	"blocked/ctid_not_same_person":     {"核验未通过", "人证核验非同一人，请本人重新拍摄"},
	"blocked/ctid_identity_invalid":    {"核验未通过", "身份信息无效，请核对信息或开通网证"},
	"escalated/attempts_exhausted":     {"转学籍部门", "多次比对未通过，请联系学籍部门"},
	"escalated/reviews_exhausted":      {"转学籍部门", "多次审核未通过，请联系学籍部门"},
	"approved":                         {"审核通过", "新生入学资格复查线上采集已完成"},
	"review_rejected":                  {"审核未通过", "请按审核意见免费重拍提交"},
	"on_hold/admission_photo_missing":  {"暂缓比对", "录取照片缺失，请联系学籍部门"},
	"on_hold/admission_photo_unusable": {"暂缓比对", "录取照片无法使用，请联系学籍部门"},
	"on_hold/document_in_use":          {"暂缓比对", "证件号码重复，请联系学籍部门"},
	NoticeCoolOffEnded:                 {"可再次采集", "冷静期已结束，可以再次采集照片"},
}

// noticeFor names the message a transition sends, or "" when it sends
// none. Only outcomes the student must act on are sent: a WeChat
// subscription carries one message, and a message the student did not
// need could use up the one that says "审核通过".
func noticeFor(to State, cause Cause, reason string) string {
	key := string(to)
	switch to {
	case Blocked, OnHold:
		key += "/" + reason
	case Escalated:
		key += "/" + string(cause)
	}
	if _, ok := noticeTexts[key]; ok {
		return key
	}
	return ""
}

// NoticeText is one message for the student: WeChat's short phrase and
// detail.
type NoticeText struct {
	// Phrase is the outcome in at most 5 characters (WeChat "phrase").
	Phrase string
	// Detail says what to do in at most 20 characters (WeChat "thing").
	Detail string
}

// NoticeFor returns the message of a capture's event under the school's
// rules; ok is false when the event sends none.
func NoticeFor(rec *Record, e Event, r Rules) (NoticeText, bool) {
	t, ok := noticeTexts[e.Notice]
	if !ok {
		return NoticeText{}, false
	}
	pass := r.PassScore
	if rec.Match != nil && rec.Match.PassScore > 0 {
		pass = rec.Match.PassScore
	}
	n := NoticeText{Phrase: t[0], Detail: fill(t[1], pass)}
	if e.Notice == "review_rejected" && e.Note != "" {
		n.Detail = Shorten("原因："+e.Note, 20)
	}
	if e.Notice == "escalated/attempts_exhausted" && rec.BlockReason == ReasonCTIDIdentityInvalid {
		n.Detail = "身份核验失败，请开通网证并联系学籍部门"
	}
	return n, true
}

// JourneyNoticeFor returns the message of a journey notice.
func JourneyNoticeFor(n Notice) (NoticeText, bool) {
	t, ok := noticeTexts[n.Key]
	if !ok {
		return NoticeText{}, false
	}
	return NoticeText{Phrase: t[0], Detail: t[1]}, true
}

// fill puts the numbers into a text that has places for them (written
// %[n]…, so a text may use any of them); other texts are returned as they
// are.
func fill(t string, args ...any) string {
	if !strings.Contains(t, "%[") {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// Shorten cuts s to at most n characters, ending with "…" when it cut.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Refusal codes: why intake turns a capture away before storing anything.
const (
	RefusedDailyLimit = "daily_limit_reached"
	RefusedEscalated  = "escalated"
	RefusedInReview   = "capture_in_review"
	RefusedComplete   = "journey_complete"
	// RefusedInProgress: the student's current capture is being
	// standardized or compared; one capture is in flight at a time.
	RefusedInProgress = "capture_in_progress"
	// RefusedOnHold: the current capture waits for the records office about
	// the admission photo and will be compared without a new photo.
	RefusedOnHold = "capture_on_hold"
	// RefusedIdentityChanged: the document type or number differs from the
	// one the student's first capture carried.
	RefusedIdentityChanged = "identity_changed"
	// RefusedDocumentInUse: the document number is another student's of
	// the school (Rules.DuplicateDocument "refuse").
	RefusedDocumentInUse = "document_in_use"
)

var refusalTexts = map[string][2]string{
	RefusedDailyLimit: {"the day's standardizations are used up; retry after retry_at",
		"今日照片标准化（裁剪换背景）次数已用完，冷静期过后才能再次操作，请于 %s 后再试"},
	RefusedEscalated: {"the student's case is with the records office; captures are refused until it closes it",
		"更换多张照片比对均不合格或审核未通过，已转学籍部门处理，请联系学籍部门"},
	RefusedInReview: {"a capture of the student is waiting for manual review",
		"您的照片正在人工审核中，请等待审核结果"},
	RefusedComplete: {"a capture of the student is already approved",
		"审核已通过，您已完成新生入学资格复查线上采集，无需再次提交"},
	RefusedInProgress: {"the student's current capture is still being standardized or compared; one capture at a time",
		"上一张照片正在检测或比对中，请等待结果后再拍摄提交"},
	RefusedOnHold: {"the student's current capture waits for the records office about the admission photo; it will be compared without a new photo",
		"您的照片正在等待学籍部门处理录取照片，处理后将自动比对，无需重新拍摄"},
	RefusedIdentityChanged: {"the document type or number differs from the student's first capture; the records office corrects it",
		"证件类型或证件号码与首次采集时填写的不一致；如需更正，请联系学籍部门"},
	RefusedDocumentInUse: {"the document number is registered to another student of the school; check it, or the records office settles whose it is",
		"该证件号码已被本校其他学生登记，请核对证件号码；如确为本人证件，请联系学籍部门"},
}

// RefusedError is a capture turned away by the student's journey: the day's
// quota, an open escalation, a capture in review or a completed journey.
type RefusedError struct {
	Code      string
	Message   string
	MessageZH string
	// RetryAt is when the student may try again; zero when waiting does not
	// help.
	RetryAt time.Time
}

// Error implements error.
func (e *RefusedError) Error() string { return "capture refused: " + e.Code + ": " + e.Message }

func refused(code string, retryAt time.Time, r Rules) *RefusedError {
	t := refusalTexts[code]
	e := &RefusedError{Code: code, Message: t[0], MessageZH: withContacts(t[1], r.Help), RetryAt: retryAt}
	if !retryAt.IsZero() {
		e.MessageZH = fmt.Sprintf(t[1], FormatTime(retryAt))
	}
	return e
}

// FormatTime writes t for a student: Beijing time, like 2025年10月1日 15:01.
func FormatTime(t time.Time) string {
	loc := DefaultRules().Location()
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日 %02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
}

// ConflictError is an action the capture's or the journey's current state
// does not allow: confirming twice with different answers, reviewing a
// capture that is not waiting for review, resolving a case that is closed.
type ConflictError struct {
	Code      string
	Message   string
	MessageZH string
	// State is the capture's current state, when the conflict is about one.
	State State
}

// Error implements error.
func (e *ConflictError) Error() string { return "capture conflict: " + e.Code + ": " + e.Message }

var conflictTexts = map[string]string{
	"not_awaiting_confirmation": "照片尚未完成标准化或已确认，当前无需确认",
	"already_confirmed":         "该照片已确认，不能更改确认结果",
	"not_pending_review":        "该照片当前不在人工审核中",
	"already_reviewed":          "该照片已审核，每张照片只审核一次",
	"no_open_case":              "该学生没有待学籍部门处理的事项",
	"admission_photo_needed":    "录取照片缺失或无法识别人脸，请先上传或更换录取照片，比对将自动进行",
	"not_current_capture":       "该照片已被学生的新照片取代，请处理最新的照片",
	"document_in_use":           "该证件号码已登记在本校另一名学生名下，请先核实",
	"admission_photo_locked":    "录取照片已存档，不可更换；如有错误或缺失，请联系学籍部门",
}

func conflict(code, message string, state State) *ConflictError {
	return &ConflictError{Code: code, Message: message, MessageZH: conflictTexts[code], State: state}
}

// ReviewFlagRephotographed is the review flag of a photo that looks like a
// photo of a printed photo or of a screen (严禁翻拍).
const ReviewFlagRephotographed = "rephotographed"

// FlagDocumentElsewhere is the review flag of a capture whose document
// number was registered at another school too.
const FlagDocumentElsewhere = "document_seen_elsewhere"

var reviewFlagTexts = map[string]string{
	ReviewFlagRephotographed: "疑似翻拍（纸质照片或屏幕），将由人工审核",
	FlagDocumentElsewhere:    "该证件号码也在其他学校登记过，请核对是否本人",
}

// ReviewFlagText is the student-facing text of a review flag.
func ReviewFlagText(code string) string { return reviewFlagTexts[code] }

// FailureText is the status line of a capture whose processing failed.
const FailureText = "照片处理暂时失败，工作人员正在处理，请稍后查看结果"

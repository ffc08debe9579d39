package texts

import "strings"

// Status is the API's status line of a capture (message_zh), keyed by its
// state or state/reason. %[1]g is the pass line, %[2]d the failed attempts
// allowed, %[3]d the day's standardizations.
var Status = catalogue(map[string]string{
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
	"failed":                           StatusFailed,
	"superseded":                       "您已提交新的照片，本张照片不再使用",
})

// StatusFailed is the status line of a capture whose processing failed.
const StatusFailed = "照片处理暂时失败，工作人员正在处理，请稍后查看结果"

// StatusUnknown is the status line of a state the catalogue has no text
// for.
const StatusUnknown = "照片正在处理，请稍后查看结果"

// ReviewRejectedBecause is the status line of a capture the reviewer
// rejected with a reason the student may read.
func ReviewRejectedBecause(reason string) string {
	return "审核未通过：" + reason + "。可免费重拍提交"
}

// NoticeReviewRejectedBecause is the detail of the notice of a rejection
// with a reason (cut to WeChat's 20 characters by the sender).
func NoticeReviewRejectedBecause(reason string) string { return "原因：" + reason }

// The CTID advice of the capture instructions (step 14), kept on every text
// about a CTID outcome, the escalation included.
const (
	// adviceRenewID is the advice when the population database's photo is
	// the problem (outcomes 2 and 3: suspected, not the same person).
	adviceRenewID = "如重新拍摄后仍无法通过，可在当地公安机关更换新身份证，待人口库照片更新后再尝试"
	// adviceOpenCTID is the advice for invalid or mismatched identity
	// information (outcome 1).
	adviceOpenCTID = "请检查身份信息是否正确，或使用具有 NFC 功能的手机下载 CTID 官方 APP 开通网证后，再重新进行人口库身份核验"
)

// EscalationAdvice is what the escalation after the last failed attempt
// adds, keyed by the CTID outcome that blocked it.
var EscalationAdvice = catalogue(map[string]string{
	"ctid_identity_invalid": "身份核验未通过：" + adviceOpenCTID,
	"ctid_suspected":        "人证比对结果为疑似：" + adviceRenewID,
	"ctid_not_same_person":  "人证比对结果为非同一人：" + adviceRenewID,
})

// Sentence joins a text and one more sentence.
func Sentence(t, more string) string { return t + "。" + more }

// Contacts are the ways to reach someone that a school's rules give.
type Contacts struct {
	RecordsOffice, CTIDHotline, CTIDHours, ServicePhone, ServiceHours string
}

// The phrases a text sends the student on with; WithContacts adds the
// contact after them.
const (
	askRecordsOffice = "请联系学籍部门"
	openCTID         = "开通网证"
	staffOnIt        = "工作人员正在处理"
)

// DefaultCTIDHours are the CTID hotline's hours (网证客服).
const DefaultCTIDHours = "工作日 8:30-20:30"

// WithContacts adds to a text that sends the student to someone how to
// reach them: the records office (学籍部门), the CTID hotline (网证客服)
// after the advice to open the online ID, and customer service (客服) on a
// processing failure.
func WithContacts(t string, c Contacts) string {
	if c.RecordsOffice != "" {
		t = strings.ReplaceAll(t, askRecordsOffice, askRecordsOffice+"（"+c.RecordsOffice+"）")
	}
	if c.CTIDHotline != "" && strings.Contains(t, openCTID) {
		t += "。开通网证遇到问题可联系网证客服电话：" + c.CTIDHotline + hours(c.CTIDHours)
	}
	if c.ServicePhone != "" && strings.Contains(t, staffOnIt) {
		t += "。如有疑问可拨打客服电话：" + c.ServicePhone + hours(c.ServiceHours)
	}
	return t
}

func hours(h string) string {
	if h == "" {
		return ""
	}
	return "（" + h + "）"
}

// Notice is one message for the student: WeChat's short phrase and detail.
type Notice struct {
	// Phrase is the outcome in at most 5 characters (WeChat "phrase").
	Phrase string
	// Detail says what to do in at most 20 characters (WeChat "thing").
	Detail string
}

// Notices are the notifications, keyed like Status (and cool_off_ended);
// %[1]g in a detail is the pass line.
var Notices = catalogue(map[string]Notice{
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
	"cool_off_ended":                   {"可再次采集", "冷静期已结束，可以再次采集照片"},
})

// NoticeEscalatedIdentityInvalid is the detail of the escalation notice
// when the last attempt failed the identity check.
const NoticeEscalatedIdentityInvalid = "身份核验失败，请开通网证并联系学籍部门"

// Refusals are why intake turns a capture away, keyed by refusal code; %s
// in daily_limit_reached is when the student may try again.
var Refusals = catalogue(map[string]string{
	"daily_limit_reached": "今日照片标准化（裁剪换背景）次数已用完，冷静期过后才能再次操作，请于 %s 后再试",
	"escalated":           "更换多张照片比对均不合格或审核未通过，已转学籍部门处理，请联系学籍部门",
	"capture_in_review":   "您的照片正在人工审核中，请等待审核结果",
	"journey_complete":    "审核已通过，您已完成新生入学资格复查线上采集，无需再次提交",
	"capture_in_progress": "上一张照片正在检测或比对中，请等待结果后再拍摄提交",
	"capture_on_hold":     "您的照片正在等待学籍部门处理录取照片，处理后将自动比对，无需重新拍摄",
	"identity_changed":    "证件类型或证件号码与首次采集时填写的不一致；如需更正，请联系学籍部门",
	"document_in_use":     "该证件号码已被本校其他学生登记，请核对证件号码；如确为本人证件，请联系学籍部门",
})

// Conflicts are actions the capture's or the journey's state does not
// allow, keyed by conflict code.
var Conflicts = catalogue(map[string]string{
	"not_awaiting_confirmation": "照片尚未完成标准化或已确认，当前无需确认",
	"already_confirmed":         "该照片已确认，不能更改确认结果",
	"not_pending_review":        "该照片当前不在人工审核中",
	"already_reviewed":          "该照片已审核，每张照片只审核一次",
	"no_open_case":              "该学生没有待学籍部门处理的事项",
	"admission_photo_needed":    "录取照片缺失或无法识别人脸，请先上传或更换录取照片，比对将自动进行",
	"not_current_capture":       "该照片已被学生的新照片取代，请处理最新的照片",
	"document_in_use":           "该证件号码已登记在本校另一名学生名下，请先核实",
	"admission_photo_locked":    "录取照片已存档，不可更换；如有错误或缺失，请联系学籍部门",
})

// ReviewFlags are what a capture that reached review may still show the
// reviewer, keyed by flag code. The photo's own flags are in Findings.
var ReviewFlags = catalogue(map[string]string{
	"rephotographed":          "疑似翻拍（纸质照片或屏幕），将由人工审核",
	"document_seen_elsewhere": "该证件号码也在其他学校登记过，请核对是否本人",
	"rescored_below_pass":     "重新比对分数低于通过线，请审核员重点核对",
})

// Stages are the journey summary's lines, keyed by stage.
var Stages = catalogue(map[string]string{
	"not_started":    "尚未采集照片，请按拍照说明拍摄上传",
	"processing":     "照片正在处理，请稍后查看结果",
	"confirm":        "照片已标准化，请确认本次采集照片和录取照片",
	"on_hold":        "暂缓比对，请查看照片状态",
	"in_review":      "人像比对通过，等待人工审核",
	"approved":       "审核通过，已完成新生入学资格复查线上采集",
	"reshoot":        "请按提示重新拍摄照片",
	"cooling_off":    "今日照片标准化次数已用完，请于冷静期结束后再操作",
	"records_office": "录取照片有误或缺失，请联系学籍部门处理",
	"escalated":      "已转学籍部门处理，请联系学籍部门",
})

// The layouts of a time and a date written for a student (and for WeChat's
// "time" and "date" values): 2025年10月1日 15:01, 2025年10月1日.
const (
	TimeLayout = "2006年1月2日 15:04"
	DateLayout = "2006年1月2日"
)

package texts

import "fmt"

// Roles are the staff roles' names, keyed by role.
var Roles = catalogue(map[string]string{
	"admin":          "管理员",
	"reviewer":       "审核员",
	"records_office": "学籍部门",
})

// CTIDResults are the national identity check's outcomes as the reviewer
// reads them, keyed by result; "" is a capture that was not checked.
var CTIDResults = catalogue(map[string]string{
	"pass":             "通过",
	"suspected":        "疑似",
	"not_same_person":  "非同一人",
	"identity_invalid": "身份信息无效",
	"unavailable":      "服务暂不可用",
	"":                 "未核验（港澳台及外籍学生或无需核验）",
})

// Cases are why a student's case is with the records office, keyed by
// case reason.
var Cases = catalogue(map[string]string{
	"attempts_exhausted":       "多次比对未通过",
	"reviews_exhausted":        "多次审核未通过",
	"admission_photo_wrong":    "录取照片非本人",
	"admission_photo_missing":  "学生反馈录取照片缺失",
	"admission_photo_absent":   "录取照片未存档",
	"admission_photo_unusable": "录取照片无法识别人脸",
	"document_in_use":          "证件号码与本校其他学生重复",
})

// The staff pages' titles.
const (
	PageReview      = "人工审核"
	PageEscalations = "学籍部门转办"
)

// The review and escalation pages' answers after a form was sent.
const (
	ReasonRequired     = "驳回时请填写驳回原因（学生可见）"
	ResolutionRequired = "请填写处理说明"
)

// Approved says a reviewer's approval of a student's capture was recorded.
func Approved(student string) string { return "已通过：学号 " + student }

// Rejected says a reviewer's rejection of a student's capture was recorded.
func Rejected(student string) string { return "已驳回：学号 " + student }

// Resolved says the records office closed a student's case.
func Resolved(student string) string { return "已办结：学号 " + student }

// NotDone says a form's action failed, and why.
func NotDone(why string) string { return "操作未完成：" + why }

// The login page's answers.
const (
	LoginThrottled = "密码错误次数过多，请稍后再试"
	LoginLocked    = "该账号因密码错误次数过多已锁定，请联系管理员或学籍部门解锁"
	LoginWrong     = "用户名或密码错误"
)

// LoginWait says how many seconds to wait before the next login attempt.
func LoginWait(seconds int) string {
	return fmt.Sprintf("密码错误次数过多，请于 %d 秒后再试", seconds)
}

// UnlockRefused says an account may not be unlocked by this user or does
// not exist.
func UnlockRefused(user string) string { return "无权解锁该账号或账号不存在：" + user }

// Unlocked says an account was unlocked, or was not locked.
func Unlocked(user string, was bool) string {
	if was {
		return "已解锁账号 " + user
	}
	return "账号 " + user + " 未被锁定"
}

// The samples that tools and examples use: a student's name for load runs,
// a cohort's name for help texts.
const (
	SampleStudentName = "测试学生"
	SampleCohort      = "2026级本科新生"
)

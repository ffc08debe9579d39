package identity

import "fmt"

// The codes a document validation can fail with.
const (
	CodeTypeUnknown = "document_type_unknown"
	CodeMissing     = "document_number_missing"
	CodeFormat      = "document_number_format"
	CodeChecksum    = "document_number_checksum"
	CodeBirthDate   = "document_birth_date_invalid"
	CodeRegion      = "document_region_invalid"
	// CodeMainlandResidentID: a mainland resident ID number entered under
	// another document type.
	CodeMainlandResidentID = "document_type_mainland"
)

// MainlandMustUseResidentID is the capture instructions' own sentence for a
// mainland student who chose another document type.
const MainlandMustUseResidentID = "中国内地学生必须选择居民身份证，否则会导致无人证比对结果"

var messagesZH = map[string]string{
	CodeTypeUnknown:        "不支持的证件类型，请重新选择证件类型",
	CodeMissing:            "请填写证件号码",
	CodeFormat:             "证件号码格式不正确，请检查证件类型和号码",
	CodeChecksum:           "证件号码校验位不正确，请检查是否输入有误",
	CodeBirthDate:          "证件号码中的出生日期无效，请检查是否输入有误",
	CodeRegion:             "证件号码中的地区代码与证件类型不符，请检查证件类型和号码",
	CodeMainlandResidentID: "该号码为居民身份证号码：" + MainlandMustUseResidentID + "，请将证件类型选择为居民身份证",
}

// Error is a document validation failure: a stable Code for machines, an
// English Message for operators and a Chinese MessageZH for the student. It
// never contains the document number itself.
type Error struct {
	Code      string
	Message   string
	MessageZH string
}

func newError(code, msg string) *Error {
	return &Error{Code: code, Message: msg, MessageZH: messagesZH[code]}
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("identity: %s: %s", e.Code, e.Message) }

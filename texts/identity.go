package texts

// DocumentTypes are the documents' names as the capture instructions and
// the documents themselves write them, keyed by document type.
var DocumentTypes = catalogue(map[string]string{
	"resident_id":                   "居民身份证",
	"hmt_residence_permit":          "港澳台居民居住证",
	"hk_id":                         "香港身份证",
	"mo_id":                         "澳门身份证",
	"tw_id":                         "台湾身份证",
	"foreign_permanent_resident_id": "外国人永久居留身份证",
	"passport":                      "护照",
})

// The two texts a student is shown about what their document means for
// the checks, in the capture instructions' words (step 5).
const (
	DocumentNoteCTID   = "中国内地学生本次采集照片、身份信息要与 CTID 人口库进行人证比对，请准确填写本人真实信息"
	DocumentNotePortal = "港澳台学生和海外留学生只进行人像比对，无需人证比对"
)

// MainlandMustUseResidentID is the capture instructions' own sentence for
// a mainland student who chose another document type.
const MainlandMustUseResidentID = "中国内地学生必须选择居民身份证，否则会导致无人证比对结果"

// DocumentErrors are why a document type or number is refused, keyed by
// code.
var DocumentErrors = catalogue(map[string]string{
	"document_type_unknown":       "不支持的证件类型，请重新选择证件类型",
	"document_number_missing":     "请填写证件号码",
	"document_number_format":      "证件号码格式不正确，请检查证件类型和号码",
	"document_number_checksum":    "证件号码校验位不正确，请检查是否输入有误",
	"document_birth_date_invalid": "证件号码中的出生日期无效，请检查是否输入有误",
	"document_region_invalid":     "证件号码中的地区代码与证件类型不符，请检查证件类型和号码",
	"document_type_mainland":      "该号码为居民身份证号码：" + MainlandMustUseResidentID + "，请将证件类型选择为居民身份证",
})

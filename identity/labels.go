package identity

// labels are the documents' names as the capture instructions and the
// documents themselves write them: what a reviewer reads beside a capture
// and a student sees beside their number.
var labels = map[DocumentType]string{
	ResidentID:                 "居民身份证",
	HMTResidencePermit:         "港澳台居民居住证",
	HongKongID:                 "香港身份证",
	MacauID:                    "澳门身份证",
	TaiwanID:                   "台湾身份证",
	ForeignPermanentResidentID: "外国人永久居留身份证",
	Passport:                   "护照",
}

// The two texts a student is shown about what their document means for the
// checks, in the capture instructions' words (step 5).
const (
	noteCTID   = "中国内地学生本次采集照片、身份信息要与 CTID 人口库进行人证比对，请准确填写本人真实信息"
	notePortal = "港澳台学生和海外留学生只进行人像比对，无需人证比对"
)

// LabelZH is the document type's Chinese name (居民身份证, 护照, …); the
// type's code for a type this package does not know.
func (t DocumentType) LabelZH() string {
	if l, ok := labels[t]; ok {
		return l
	}
	return string(t)
}

// NoteZH is what the student is told about the document type: a mainland
// resident ID card goes to the national identity check (人证比对) as well
// as the portrait comparison, every other document to the portrait
// comparison only.
func (t DocumentType) NoteZH() string {
	if t.UsesCTID() {
		return noteCTID
	}
	return notePortal
}

package imaging

// Finding is one failed quality check: a stable Code for machines, a Chinese
// message for the student, and the measured Value beside the Limit it broke.
type Finding struct {
	Code      string  `json:"code"`
	MessageZH string  `json:"message_zh"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
}

// The codes of the quality checks.
const (
	FindingNoFace        = "no_face"
	FindingMultipleFaces = "multiple_faces"
	FindingFaceTooSmall  = "face_too_small"
)

var findingMessagesZH = map[string]string{
	FindingNoFace:        "未检测到人脸，请正对镜头、保持面部清晰完整后重新拍摄",
	FindingMultipleFaces: "照片中有多张人脸，请确保只有本人入镜后重新拍摄",
	FindingFaceTooSmall:  "人脸太小，请靠近一些（约 1 米）或提高照片分辨率后重新拍摄",
}

func finding(code string, value, limit float64) Finding {
	return Finding{Code: code, MessageZH: findingMessagesZH[code], Value: value, Limit: limit}
}

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
	FindingNoFace             = "no_face"
	FindingMultipleFaces      = "multiple_faces"
	FindingFaceTooSmall       = "face_too_small"
	FindingFaceOffCenter      = "face_off_center"
	FindingHeadTilted         = "head_tilted"
	FindingNotFrontal         = "not_frontal"
	FindingHeadCutOff         = "head_cut_off"
	FindingShouldersMissing   = "shoulders_missing"
	FindingTooDark            = "too_dark"
	FindingOverexposed        = "overexposed"
	FindingUnevenLighting     = "uneven_lighting"
	FindingBlurry             = "blurry"
	FindingBackgroundNotPlain = "background_not_plain"
	FindingBackgroundNotLight = "background_not_light"
	// FindingFileTooLarge: even at the lowest quality the encoder allows,
	// the file is above the profile's MaxKB (a very busy photo).
	FindingFileTooLarge = "file_too_large"
	// FindingMouthOpen: the mouth is open or the teeth show (嘴巴自然闭合).
	FindingMouthOpen = "mouth_open"
	// FindingClothesMatchBackground: the top has the background's colour
	// (不能与背景色相同或相近).
	FindingClothesMatchBackground = "clothes_match_background"
)

// The codes of the review flags: what a photo that passed may still show,
// for the reviewer to judge.
const (
	FlagGlassesTinted     = "glasses_tinted"
	FlagGlassesReflective = "glasses_reflective"
	FlagHairOverBrows     = "hair_over_brows"
)

var findingMessagesZH = map[string]string{
	FindingNoFace:                 "未检测到人脸，请正对镜头、保持面部清晰完整后重新拍摄",
	FindingMultipleFaces:          "照片中有多张人脸，请确保只有本人入镜后重新拍摄",
	FindingFaceTooSmall:           "人脸太小，请靠近一些（约 1 米）或提高照片分辨率后重新拍摄",
	FindingFaceOffCenter:          "人脸没有左右居中，请站在画面中间重新拍摄",
	FindingHeadTilted:             "头部歪斜，请保持头部端正、双眼平视、双肩齐平后重新拍摄",
	FindingNotFrontal:             "面部没有正对镜头，请目视前方镜头、不要侧脸或抬头低头后重新拍摄",
	FindingHeadCutOff:             "头部不完整，请让头顶和下巴都在画面内后重新拍摄",
	FindingShouldersMissing:       "肩膀和上身不完整，请拍摄到双肩和上半身后重新拍摄",
	FindingTooDark:                "面部光线太暗，请在光线充足处重新拍摄",
	FindingOverexposed:            "面部过曝发白，请避免强光直射或闪光灯后重新拍摄",
	FindingUnevenLighting:         "面部光线不均匀、有明显阴影，请面向光源、避免侧光后重新拍摄",
	FindingBlurry:                 "照片模糊，请保持相机稳定、对焦清晰后重新拍摄",
	FindingBackgroundNotPlain:     "背景不够干净单一，请在白色或浅色纯色墙面前重新拍摄",
	FindingBackgroundNotLight:     "背景颜色过深或过艳，请在白色或浅色墙面前重新拍摄",
	FindingFileTooLarge:           "照片细节过多，无法压缩到学校要求的文件大小，请在纯色背景前、穿纯色衣服重新拍摄",
	FindingMouthOpen:              "嘴巴没有自然闭合，请保持表情自然、嘴巴闭合、不露齿后重新拍摄",
	FindingClothesMatchBackground: "上衣颜色与背景色相同或相近，请换穿与背景颜色不同的有领上衣后重新拍摄",

	FlagGlassesTinted:     "疑似佩戴有色眼镜，将由人工审核；请勿佩戴有色或反光眼镜",
	FlagGlassesReflective: "眼镜疑似反光，将由人工审核；请调整角度避免镜片反光",
	FlagHairOverBrows:     "头发或帽子疑似遮挡眉毛、眼睛，将由人工审核；请免冠、露出眉毛和眼睛",
}

// flag is a review flag: the same shape as a finding.
func flag(code string, value, limit float64) Finding { return finding(code, value, limit) }

func finding(code string, value, limit float64) Finding {
	return Finding{Code: code, MessageZH: findingMessagesZH[code], Value: round3(value), Limit: round3(limit)}
}

func round3(x float64) float64 {
	if x < 0 {
		return -round3(-x)
	}
	return float64(int64(x*1000+0.5)) / 1000
}

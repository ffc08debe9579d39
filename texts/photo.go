package texts

// Findings are the quality checks' findings and the photo's review flags,
// keyed by code: what is wrong and how to reshoot, in the capture
// instructions' words.
var Findings = catalogue(map[string]string{
	"no_face":                  "未检测到人脸，请正对镜头、保持面部清晰完整后重新拍摄",
	"face_cut_off":             "人脸超出了照片边缘，请将镜头对准面部、让整张脸位于画面中间后重新拍摄",
	"multiple_faces":           "照片中有多张人脸，请确保只有本人入镜后重新拍摄",
	"face_too_small":           "人脸太小，请靠近一些（约 1 米）或提高照片分辨率后重新拍摄",
	"face_off_center":          "人脸没有左右居中，请站在画面中间重新拍摄",
	"head_tilted":              "头部歪斜，请保持头部端正、双眼平视、双肩齐平后重新拍摄",
	"not_frontal":              "面部没有正对镜头，请目视前方镜头、不要侧脸或抬头低头后重新拍摄",
	"head_cut_off":             "头部不完整，请让头顶和下巴都在画面内后重新拍摄",
	"shoulders_missing":        "肩膀和上身不完整，请拍摄到双肩和上半身后重新拍摄",
	"too_dark":                 "面部光线太暗，请在光线充足处重新拍摄",
	"overexposed":              "面部过曝发白，请避免强光直射或闪光灯后重新拍摄",
	"uneven_lighting":          "面部光线不均匀、有明显阴影，请面向光源、避免侧光后重新拍摄",
	"blurry":                   "照片模糊，请保持相机稳定、对焦清晰后重新拍摄",
	"background_not_plain":     "背景不够干净单一，请在白色或浅色纯色墙面前重新拍摄",
	"background_not_light":     "背景颜色过深或过艳，请在白色或浅色墙面前重新拍摄",
	"file_too_large":           "照片细节过多，无法压缩到学校要求的文件大小，请在纯色背景前、穿纯色衣服重新拍摄",
	"mouth_open":               "嘴巴没有自然闭合，请保持表情自然、嘴巴闭合、不露齿后重新拍摄",
	"clothes_match_background": "上衣颜色与背景色相同或相近，请换穿与背景颜色不同的有领上衣后重新拍摄",

	"glasses_tinted":     "疑似佩戴有色眼镜，将由人工审核；请勿佩戴有色或反光眼镜",
	"glasses_reflective": "眼镜疑似反光，将由人工审核；请调整角度避免镜片反光",
	"hair_over_brows":    "头发或帽子疑似遮挡眉毛、眼睛，将由人工审核；请免冠、露出眉毛和眼睛",
})

// PhotoErrors are why a file cannot be processed at all, keyed by code.
var PhotoErrors = catalogue(map[string]string{
	"photo_empty":        "照片文件为空，请重新拍摄上传",
	"photo_too_large":    "照片文件过大，请重新拍摄上传",
	"unsupported_format": "照片格式不支持，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片",
	"too_many_pixels":    "照片像素过多，请降低分辨率后重新上传",
	"photo_unreadable":   "照片文件已损坏或无法读取，请重新拍摄上传",
})

// The answers of the free quality check (step 11: "不限次数重拍，再去确认制作");
// %d in PrecheckPassed is the day's standardizations.
const (
	PrecheckPassed = "照片符合拍摄要求，可以确认制作（照片标准化每日限 %d 次）"
	PrecheckFailed = "照片不符合拍摄要求，请按提示重新拍摄（检测不限次数，不计入每日制作次数）"
)

// Measures are the quality measures' names for the reviewer, keyed by
// their JSON names (imaging.Measures).
var Measures = catalogue(map[string]string{
	"faces":                 "人脸数",
	"head_px":               "头部高度（像素）",
	"upscale":               "放大倍数",
	"off_center":            "偏离中线",
	"roll_deg":              "头部倾斜（度）",
	"yaw":                   "左右转头",
	"pitch":                 "俯仰",
	"head_yaw_deg":          "左右转头（度，姿态模型）",
	"filter":                "检测方向",
	"head_cut":              "头部出框比例",
	"body_coverage":         "上身完整度",
	"face_luma":             "面部亮度",
	"face_clipped":          "面部过曝比例",
	"light_imbalance":       "左右光照差",
	"sharpness":             "清晰度",
	"wall_samples":          "背景采样点数",
	"wall_spread":           "背景均匀度",
	"wall_luma":             "背景亮度",
	"wall_chroma":           "背景色彩度",
	"wall_coverage":         "背景替换比例",
	"mouth_open":            "张嘴程度",
	"eye_ring_luma":         "镜片亮度",
	"eye_ring_clipped":      "镜片反光比例",
	"forehead_luma":         "额头亮度",
	"clothes_as_background": "衣服与背景相近",
})

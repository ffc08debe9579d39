package intake

import (
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/identity"
)

// captureView is what the API shows of a capture: no name, the document
// number masked, and links to the photos.
type captureView struct {
	ID          string             `json:"id"`
	School      string             `json:"school"`
	Cohort      string             `json:"cohort"`
	StudentID   string             `json:"student_id"`
	Document    documentView       `json:"document"`
	State       capture.State      `json:"state"`
	HoldReason  capture.HoldReason `json:"hold_reason,omitempty"`
	BlockReason string             `json:"block_reason,omitempty"`
	MessageZH   string             `json:"message_zh"`
	// Review lists what the manual reviewer should look at; NeedsReview
	// says whether there is anything.
	Review      []capture.Finding        `json:"review"`
	NeedsReview bool                     `json:"needs_review"`
	Findings    []capture.Finding        `json:"findings"`
	Failure     *capture.Failure         `json:"failure,omitempty"`
	Input       *capture.PhotoInfo       `json:"input,omitempty"`
	Face        *capture.FaceBox         `json:"face,omitempty"`
	Match       *matchView               `json:"match,omitempty"`
	Stages      map[string]capture.Stage `json:"stages"`
	Photos      map[string]string        `json:"photos"`
	CreatedAt   string                   `json:"created_at"`
	UpdatedAt   string                   `json:"updated_at"`
}

type documentView struct {
	Type         string `json:"type"`
	NumberMasked string `json:"number_masked"`
}

type matchView struct {
	capture.Match
	PassScore float64 `json:"pass_score"`
	Passed    bool    `json:"passed"`
}

// reasonMessagesZH tells the student why a capture is blocked or waits.
var reasonMessagesZH = map[string]string{
	capture.ReasonPortraitScore:                "人像比对分数低于 80 分，请重新拍摄照片比对",
	capture.ReasonCTIDSuspected:                "人证核验结果为疑似（照片质量、光线、尺寸或长相相似），请在光线充足处重新拍摄，保证人脸清晰",
	capture.ReasonCTIDNotSamePerson:            "人证核验结果为非同一人，请确定拍摄照片为本人后重新拍摄",
	capture.ReasonCTIDIdentityInvalid:          "身份信息无效或不匹配，请检查身份信息是否正确，或使用具有 NFC 功能的手机下载 CTID 官方 APP 开通网证",
	string(capture.HoldAdmissionPhotoMissing):  "录取照片缺失，请联系学籍部门，暂不进行比对",
	string(capture.HoldAdmissionPhotoUnusable): "录取照片无法使用，请联系学籍部门，暂不进行比对",
	string(capture.HoldCTIDUnavailable):        "身份核验正在进行中，请稍后查看结果",
}

// stateMessagesZH tells the student where the capture stands.
var stateMessagesZH = map[capture.State]string{
	capture.Queued:       "照片已提交，正在处理",
	capture.Rejected:     "照片不符合拍摄要求，请按提示重新拍摄",
	capture.Standardized: "照片已标准化，正在进行人像比对",
	capture.OnHold:       "录取照片缺失或无法使用，请联系学籍部门，暂不进行比对",
	capture.Passed:       "人像比对通过",
	capture.Blocked:      "人像比对分数低于 80 分，请重新拍摄照片比对",
	capture.Failed:       "照片处理暂时失败，工作人员正在处理，请稍后查看结果",
}

func viewOf(r *capture.Record) captureView {
	v := captureView{
		ID: r.ID, School: r.School, Cohort: r.Cohort, StudentID: r.StudentID,
		Document: documentView{Type: r.Document.Type, NumberMasked: identity.Mask(r.Document.Number)},
		State:    r.State, HoldReason: r.HoldReason, BlockReason: r.BlockReason, MessageZH: stateMessagesZH[r.State],
		Review: r.Review, NeedsReview: len(r.Review) > 0,
		Findings: r.Findings, Failure: r.Failure, Input: r.Input, Face: r.Face, Stages: r.Stages,
		Photos:    map[string]string{"original": photoPath(r.ID, "original")},
		CreatedAt: r.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"),
		UpdatedAt: r.UpdatedAt.Format("2006-01-02T15:04:05.000Z07:00"),
	}
	if m, ok := reasonMessagesZH[r.BlockReason+string(r.HoldReason)]; ok {
		v.MessageZH = m
	}
	if v.Findings == nil {
		v.Findings = []capture.Finding{}
	}
	if v.Review == nil {
		v.Review = []capture.Finding{}
	}
	if v.Stages == nil {
		v.Stages = map[string]capture.Stage{}
	}
	if r.Match != nil {
		v.Match = &matchView{Match: *r.Match, PassScore: facematch.PassScore, Passed: r.Match.Score >= facematch.PassScore}
	}
	if hasStandardized(r) {
		v.Photos["standardized"] = photoPath(r.ID, "standardized")
	}
	return v
}

// hasStandardized reports whether a standardized photo was stored.
func hasStandardized(r *capture.Record) bool {
	_, ok := r.Stages[capture.StageStandardize]
	return ok && r.State != capture.Rejected && r.State != capture.Queued
}

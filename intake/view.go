package intake

import (
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/identity"
)

// captureView is what the API shows of a capture: no name, the document
// number masked, and links to the photos.
type captureView struct {
	ID         string                   `json:"id"`
	School     string                   `json:"school"`
	Cohort     string                   `json:"cohort"`
	StudentID  string                   `json:"student_id"`
	Document   documentView             `json:"document"`
	State      capture.State            `json:"state"`
	HoldReason capture.HoldReason       `json:"hold_reason,omitempty"`
	MessageZH  string                   `json:"message_zh"`
	Findings   []capture.Finding        `json:"findings"`
	Failure    *capture.Failure         `json:"failure,omitempty"`
	Input      *capture.PhotoInfo       `json:"input,omitempty"`
	Face       *capture.FaceBox         `json:"face,omitempty"`
	Match      *matchView               `json:"match,omitempty"`
	Stages     map[string]capture.Stage `json:"stages"`
	Photos     map[string]string        `json:"photos"`
	CreatedAt  string                   `json:"created_at"`
	UpdatedAt  string                   `json:"updated_at"`
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
		State:    r.State, HoldReason: r.HoldReason, MessageZH: stateMessagesZH[r.State],
		Findings: r.Findings, Failure: r.Failure, Input: r.Input, Face: r.Face, Stages: r.Stages,
		Photos:    map[string]string{"original": photoPath(r.ID, "original")},
		CreatedAt: r.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"),
		UpdatedAt: r.UpdatedAt.Format("2006-01-02T15:04:05.000Z07:00"),
	}
	if v.Findings == nil {
		v.Findings = []capture.Finding{}
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

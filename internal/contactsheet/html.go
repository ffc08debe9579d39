package contactsheet

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/jpeg"
	"io"

	"github.com/recheck/recheck/imaging"
)

var page = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>recheck contact sheet</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse}
td{border-top:1px solid #ddd;padding:8px;vertical-align:top}
img{display:block;height:320px;background:#eee}
.bad{color:#c00}.ok{color:#080}.m{color:#777;font-size:12px;max-width:360px}
</style></head><body>
<h1>recheck contact sheet</h1>
<p>{{.Summary.Accepted}} accepted, {{.Summary.Rejected}} rejected, {{.Summary.Unreadable}} unreadable. Profile {{.Profile}}.</p>
<table>
{{range .Rows}}<tr>
<td><b>{{.Name}}</b><br>{{if .Input}}<img src="{{.Input}}" alt="input">{{end}}</td>
{{if .Error}}<td colspan="3" class="bad">unreadable: {{.Error}}</td>
{{else}}<td>{{if .Output}}<img src="{{.Output}}" alt="standardized"><span class="ok">ok, {{.Bytes}} bytes, quality {{.Quality}}</span>{{else}}<div class="bad">{{range .Findings}}<p><b>{{.Code}}</b> {{.Value}} (limit {{.Limit}})<br>{{.MessageZH}}</p>{{end}}</div>{{end}}</td>
<td>{{if .Matte}}<img src="{{.Matte}}" alt="matte">{{end}}</td>
<td class="m">{{.Measures}}</td>{{end}}
</tr>{{end}}
</table></body></html>
`))

type htmlRow struct {
	Name, Error          string
	Input, Output, Matte template.URL
	Findings             []imaging.Finding
	Bytes, Quality       int
	Measures             string
}

// HTML writes the sheet as one self-contained page (images embedded).
func HTML(w io.Writer, rows []Row, profile string) error {
	data := struct {
		Summary Summary
		Profile string
		Rows    []htmlRow
	}{Summary: Summarize(rows), Profile: profile}
	for _, r := range rows {
		hr := htmlRow{Name: r.Name, Input: dataURL(r.Input)}
		if r.Result == nil {
			hr.Error = fmt.Sprint(r.Err)
			data.Rows = append(data.Rows, hr)
			continue
		}
		hr.Findings = r.Result.Findings
		hr.Measures = fmt.Sprintf("%+v", r.Result.Measures)
		if d := r.Result.Diagnostics; d != nil {
			hr.Matte = dataURL(d.Matte)
		}
		if o := r.Result.Output; o != nil {
			hr.Output = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(o.JPEG))
			hr.Bytes, hr.Quality = len(o.JPEG), o.Quality
		}
		data.Rows = append(data.Rows, hr)
	}
	return page.Execute(w, data)
}

// dataURL encodes an image as an embedded JPEG.
func dataURL(m imaging.RGB) template.URL {
	if m.W == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m.ToImage(), &jpeg.Options{Quality: 85}); err != nil {
		return ""
	}
	return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
}

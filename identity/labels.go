package identity

import "github.com/recheck/recheck/texts"

// labels are the documents' names as the capture instructions and the
// documents themselves write them: what a reviewer reads beside a capture
// and a student sees beside their number.
// LabelZH is the document type's Chinese name (居民身份证, 护照, …); the
// type's code for a type this package does not know.
func (t DocumentType) LabelZH() string {
	if l, ok := texts.DocumentTypes.Lookup(string(t)); ok {
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
		return texts.DocumentNoteCTID
	}
	return texts.DocumentNotePortal
}

package imaging

// MeasuredForTest marks measures as fully measured (one face placed, its
// light and sharpness measured), for tests of Judge.
func MeasuredForTest(m Measures) Measures {
	m.placed, m.faceMeasured = true, true
	return m
}

// EncodeJPEGForTest exposes encodeJPEG.
func EncodeJPEGForTest(img RGB, q int, s420, opt bool) ([]byte, error) {
	return encodeJPEG(img, q, s420, opt)
}

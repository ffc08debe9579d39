package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/identity"
)

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ      identity.DocumentType
		number   string
		wantCode string // "" means valid
		wantNorm string // checked when valid and non-empty
	}{
		// Resident ID (GB 11643-1999).
		{identity.ResidentID, "11010519491231002X", "", ""},
		{identity.ResidentID, " 11010519491231002x ", "", "11010519491231002X"},
		{identity.ResidentID, "420102200503010028", "", ""},
		{identity.ResidentID, "110105194912310021", identity.CodeChecksum, ""},
		{identity.ResidentID, "420120200212010101", identity.CodeChecksum, ""}, // sample in the capture instructions
		{identity.ResidentID, "421000200201010011", identity.CodeChecksum, ""}, // the other sample
		{identity.ResidentID, "11010519491231002", identity.CodeFormat, ""},
		{identity.ResidentID, "1101051949123100XX", identity.CodeFormat, ""},
		{identity.ResidentID, "11010519490231002X", identity.CodeBirthDate, ""}, // 31 Feb... is 19490231
		{identity.ResidentID, "110105203001010011", identity.CodeBirthDate, ""}, // future
		{identity.ResidentID, "990105194912310021", identity.CodeRegion, ""},
		{identity.ResidentID, "810000199901011236", identity.CodeRegion, ""}, // an HMT permit is not a resident ID
		{identity.ResidentID, "", identity.CodeMissing, ""},
		{identity.ResidentID, "   ", identity.CodeMissing, ""},
		// Residence permits for Hong Kong, Macau and Taiwan residents.
		{identity.HMTResidencePermit, "810000199901011236", "", ""},
		{identity.HMTResidencePermit, "820000200502284568", "", ""},
		{identity.HMTResidencePermit, "830000200103157897", "", ""},
		{identity.HMTResidencePermit, "830000200103157898", identity.CodeChecksum, ""},
		{identity.HMTResidencePermit, "11010519491231002X", identity.CodeMainlandResidentID, ""},
		{identity.HMTResidencePermit, "990105194912310021", identity.CodeRegion, ""},
		// Hong Kong identity card.
		{identity.HongKongID, "A123456(3)", "", "A123456(3)"},
		{identity.HongKongID, "a1234563", "", "A123456(3)"},
		{identity.HongKongID, "A123456(4)", identity.CodeChecksum, ""},
		{identity.HongKongID, "AB987654(3)", "", ""},
		{identity.HongKongID, "AB987654(2)", identity.CodeChecksum, ""},
		{identity.HongKongID, "12345678", identity.CodeFormat, ""},
		{identity.HongKongID, "A12345(3)", identity.CodeFormat, ""},
		// Taiwan identity number.
		{identity.TaiwanID, "A123456789", "", ""},
		{identity.TaiwanID, "A123456788", identity.CodeChecksum, ""},
		{identity.TaiwanID, "A323456789", identity.CodeFormat, ""},
		{identity.TaiwanID, "1123456789", identity.CodeFormat, ""},
		// Foreign permanent resident ID (2023).
		{identity.ForeignPermanentResidentID, "911156199805200012", "", ""},
		{identity.ForeignPermanentResidentID, "911156199805200013", identity.CodeChecksum, ""},
		{identity.ForeignPermanentResidentID, "110105194912310021", identity.CodeFormat, ""},
		{identity.ForeignPermanentResidentID, "999156199805200012", identity.CodeRegion, ""},
		// Macau identity card: 1, 5 or 7, six digits, a check digit.
		{identity.MacauID, "1234567(8)", "", "1234567(8)"},
		{identity.MacauID, "12345678", "", "1234567(8)"},
		{identity.MacauID, "5/123456/7", "", "5123456(7)"},
		{identity.MacauID, "7654321(0)", "", "7654321(0)"},
		{identity.MacauID, "2234567(8)", identity.CodeFormat, ""},
		{identity.MacauID, "123456(7)", identity.CodeFormat, ""},
		{identity.MacauID, "1234567(A)", identity.CodeFormat, ""},
		// Passports.
		{identity.Passport, "E12345678", "", ""},
		{identity.Passport, "x1234", "", "X1234"},
		{identity.Passport, "E12", identity.CodeFormat, ""},
		{identity.Passport, "E1234-5678", identity.CodeFormat, ""},
		{identity.Passport, "护照12345", identity.CodeFormat, ""},
		// A mainland resident ID number under any other type: "中国内地学生
		// 必须选择居民身份证".
		{identity.Passport, "11010519491231002X", identity.CodeMainlandResidentID, ""},
		{identity.Passport, "420102200503010028", identity.CodeMainlandResidentID, ""},
		{identity.HMTResidencePermit, "420102200503010028", identity.CodeMainlandResidentID, ""},
		{identity.ForeignPermanentResidentID, "11010519491231002X", identity.CodeMainlandResidentID, ""},
		{identity.TaiwanID, "11010519491231002X", identity.CodeMainlandResidentID, ""},
		{identity.Passport, "110105194912310021", "", ""}, // a wrong check digit is no resident ID: a passport may look like it
		// Unknown type.
		{identity.DocumentType("driving_licence"), "12345", identity.CodeTypeUnknown, ""},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ)+"/"+tc.number, func(t *testing.T) {
			got, err := identity.Validate(tc.typ, tc.number, now)
			if tc.wantCode == "" {
				require.NoError(t, err)
				if tc.wantNorm != "" {
					require.Equal(t, tc.wantNorm, got)
				}
				return
			}
			var ie *identity.Error
			require.True(t, errors.As(err, &ie), "want *identity.Error, got %v", err)
			require.Equal(t, tc.wantCode, ie.Code)
			require.NotEmpty(t, ie.MessageZH, "every failure has a Chinese message")
			if len(tc.number) > 4 {
				require.NotContains(t, ie.Error(), tc.number, "errors never repeat the number")
			}
		})
	}
}

func TestParseDocumentType(t *testing.T) {
	t.Parallel()
	for _, dt := range identity.DocumentTypes {
		got, err := identity.ParseDocumentType(string(dt))
		require.NoError(t, err)
		require.Equal(t, dt, got)
	}
	_, err := identity.ParseDocumentType("身份证")
	var ie *identity.Error
	require.ErrorAs(t, err, &ie)
	require.Equal(t, identity.CodeTypeUnknown, ie.Code)
}

func TestUsesCTID(t *testing.T) {
	t.Parallel()
	for _, dt := range identity.DocumentTypes {
		require.Equal(t, dt == identity.ResidentID, dt.UsesCTID(), dt)
	}
}

// TestEveryTypeHasItsTexts walks the document types: each has a Chinese
// label for the reviewer and the student, and a note saying which checks
// it goes through.
func TestEveryTypeHasItsTexts(t *testing.T) {
	t.Parallel()
	labels := map[string]identity.DocumentType{}
	for _, dt := range identity.DocumentTypes {
		label := dt.LabelZH()
		require.NotEqual(t, string(dt), label, "%s has no Chinese label", dt)
		require.Regexp(t, `\p{Han}`, label, dt)
		require.NotContains(t, labels, label, "%s and %s share a label", dt, labels[label])
		labels[label] = dt
		if dt.UsesCTID() {
			require.Contains(t, dt.NoteZH(), "人证比对", dt)
		} else {
			require.Contains(t, dt.NoteZH(), "只进行人像比对", dt)
		}
	}
	require.Equal(t, "driving_licence", identity.DocumentType("driving_licence").LabelZH(), "an unknown type shows its code")
}

func TestMainlandNumberUnderAnotherTypeSaysWhy(t *testing.T) {
	t.Parallel()
	_, err := identity.Validate(identity.Passport, "11010519491231002X", now)
	var ie *identity.Error
	require.ErrorAs(t, err, &ie)
	require.Contains(t, ie.MessageZH, identity.MainlandMustUseResidentID)
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"11010519491231002X": "110***********002X",
		"A123456(3)":         "A12***6(3)",
		"E1234":              "E***4",
		"AB":                 "**",
		"":                   "",
	}
	for in, want := range tests {
		require.Equal(t, want, identity.Mask(in), in)
	}
}

// FuzzValidate checks that no input panics and that a number accepted once
// is accepted again, unchanged, in its normalized form.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "A123456(3)", "A123456789", "911156199805200012", "E12345678", "", "(((", "９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, number string) {
		for _, dt := range identity.DocumentTypes {
			norm, err := identity.Validate(dt, number, now)
			if err != nil {
				var ie *identity.Error
				if !errors.As(err, &ie) || ie.Code == "" || ie.MessageZH == "" {
					t.Fatalf("%s %q: error without code or Chinese message: %v", dt, number, err)
				}
				continue
			}
			again, err := identity.Validate(dt, norm, now)
			if err != nil || again != norm {
				t.Fatalf("%s %q: normalized %q not stable: %q, %v", dt, number, norm, again, err)
			}
		}
	})
}

func TestResidentIDCheck(t *testing.T) {
	t.Parallel()
	require.Equal(t, byte('X'), identity.ResidentIDCheck("11010519491231002"))
	require.Equal(t, byte(0), identity.ResidentIDCheck("1101051949123100"), "too short")
	require.Equal(t, byte(0), identity.ResidentIDCheck("1101051949123100A"))
}

package capture_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(day, hour, min int) time.Time { return time.Date(2026, 9, day, hour, min, 0, 0, shanghai) }

func TestQuota(t *testing.T) {
	t.Parallel()
	slots := func(ts ...time.Time) []capture.Slot {
		var out []capture.Slot
		for i, x := range ts {
			out = append(out, capture.Slot{CaptureID: string(rune('a' + i)), At: x})
		}
		return out
	}
	tests := []struct {
		name  string
		slots []capture.Slot
		now   time.Time
		used  int
		next  time.Time // zero: allowed now
	}{
		{"nothing used", nil, at(1, 9, 0), 0, time.Time{}},
		{"two used today", slots(at(1, 8, 0), at(1, 9, 0)), at(1, 10, 0), 2, time.Time{}},
		{"third used: 24 h after it", slots(at(1, 8, 0), at(1, 9, 0), at(1, 10, 0)), at(1, 11, 0), 3, at(2, 10, 0)},
		{"the next morning is still inside the cool-off", slots(at(1, 8, 0), at(1, 9, 0), at(1, 10, 0)), at(2, 9, 59), 0, at(2, 10, 0)},
		{"allowed again 24 h after the third", slots(at(1, 8, 0), at(1, 9, 0), at(1, 10, 0)), at(2, 10, 0), 0, time.Time{}},
		{"yesterday's two do not count today", slots(at(1, 22, 0), at(1, 23, 0)), at(2, 0, 30), 0, time.Time{}},
		{"the day is Beijing's, not UTC's", slots(at(1, 23, 0), at(2, 0, 10), at(2, 0, 20)), at(2, 1, 0), 2, time.Time{}},
		{"third just before midnight", slots(at(1, 20, 0), at(1, 21, 0), at(1, 23, 59)), at(2, 8, 0), 0, at(2, 23, 59)},
		{"free resubmissions are not charged", []capture.Slot{{CaptureID: "a", At: at(1, 8, 0)}, {CaptureID: "b", At: at(1, 9, 0), Free: true}, {CaptureID: "c", At: at(1, 10, 0), Free: true}}, at(1, 11, 0), 1, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := &capture.Journey{Slots: tc.slots}
			q := j.Quota(capture.DefaultRules(), tc.now)
			require.Equal(t, 3, q.Limit)
			require.Equal(t, tc.used, q.UsedToday)
			if tc.next.IsZero() {
				require.Nil(t, q.NextAllowedAt)
			} else {
				require.NotNil(t, q.NextAllowedAt)
				require.True(t, tc.next.Equal(*q.NextAllowedAt), "next allowed %s, want %s", q.NextAllowedAt.In(shanghai), tc.next)
			}
		})
	}
}

func TestQuotaWithAShortCoolOffWaitsForTheNextDay(t *testing.T) {
	t.Parallel()
	r := capture.DefaultRules()
	r.CoolOff = capture.Duration(time.Hour)
	j := &capture.Journey{Slots: []capture.Slot{{CaptureID: "a", At: at(1, 8, 0)}, {CaptureID: "b", At: at(1, 9, 0)}, {CaptureID: "c", At: at(1, 10, 0)}}}
	q := j.Quota(r, at(1, 12, 0))
	require.NotNil(t, q.NextAllowedAt, "the day's allowance is used even after the cool-off")
	require.True(t, at(2, 0, 0).Equal(*q.NextAllowedAt))
}

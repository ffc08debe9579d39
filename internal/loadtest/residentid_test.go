package loadtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/identity"
)

// TestResidentIDsDiffer: the synthetic students of a run get valid
// resident ID numbers, each their own (a school refuses a number already
// registered to another student), and another run's students others.
func TestResidentIDsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, run := range []string{"ldneu6gs8jxsa", "ldneu6gs8jxsb"} {
		for i := range 10000 {
			student := fmt.Sprintf("L%s-%06d", run, i)
			n := residentID(student)
			_, err := identity.Validate(identity.ResidentID, n, time.Now())
			require.NoError(t, err, "%s: %s", student, n)
			other, dup := seen[n]
			require.False(t, dup, "%s and %s share %s", student, other, n)
			seen[n] = student
		}
	}
}

package vision_test

import (
	"os"
	"testing"

	"github.com/recheck/recheck/imaging"
)

func TestMain(m *testing.M) {
	imaging.Startup()
	os.Exit(m.Run())
}

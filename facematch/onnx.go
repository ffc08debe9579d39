package facematch

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	ortOnce sync.Once
	ortErr  error
)

// initONNX loads the ONNX Runtime library once per process.
func initONNX(libPath string) error {
	ortOnce.Do(func() {
		if _, err := os.Stat(libPath); err != nil {
			ortErr = fmt.Errorf("facematch: ONNX Runtime library %s missing (run `make dev` or scripts/setup.sh to fetch it): %w", libPath, err)
			return
		}
		ort.SetSharedLibraryPath(libPath)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			ortErr = fmt.Errorf("facematch: start ONNX Runtime: %w", err)
		}
	})
	return ortErr
}

// newONNXLender starts ONNX Runtime from libPath (empty:
// dir/libonnxruntime.so.1) once per process and returns a lender of up to
// size sessions made by create.
func newONNXLender[T any](dir, libPath, what string, size int, create func() (T, error), destroy func(T)) (*lender[T], error) {
	if libPath == "" {
		libPath = filepath.Join(dir, "libonnxruntime.so.1")
	}
	if err := initONNX(libPath); err != nil {
		return nil, err
	}
	return newLender(what, size, create, destroy)
}

// onnxModel is one model with its fixed input and output tensors: a
// session is reused for every image, and runs one at a time.
type onnxModel struct {
	in, out *ort.Tensor[float32]
	s       *ort.AdvancedSession
}

func newONNXModel(path string, inShape, outShape ort.Shape) (*onnxModel, error) {
	return newNamedONNXModel(path, "input", "output", inShape, outShape)
}

// newNamedONNXModel is newONNXModel for a model whose input and output
// tensors have other names.
func newNamedONNXModel(path, inName, outName string, inShape, outShape ort.Shape) (*onnxModel, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("facematch: model %s missing (run `make dev` or scripts/setup.sh to fetch it): %w", path, err)
	}
	in, err := ort.NewEmptyTensor[float32](inShape)
	if err != nil {
		return nil, err
	}
	out, err := ort.NewEmptyTensor[float32](outShape)
	if err != nil {
		in.Destroy()
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		in.Destroy()
		out.Destroy()
		return nil, err
	}
	defer opts.Destroy()
	// One thread per session: recheck runs jobs in parallel instead.
	_ = opts.SetIntraOpNumThreads(1)
	_ = opts.SetInterOpNumThreads(1)
	s, err := ort.NewAdvancedSession(path, []string{inName}, []string{outName}, []ort.Value{in}, []ort.Value{out}, opts)
	if err != nil {
		in.Destroy()
		out.Destroy()
		return nil, fmt.Errorf("facematch: load %s: %w", path, err)
	}
	return &onnxModel{in: in, out: out, s: s}, nil
}

func (m *onnxModel) run() ([]float32, error) {
	if err := m.s.Run(); err != nil {
		return nil, fmt.Errorf("facematch: run model: %w", err)
	}
	return m.out.GetData(), nil
}

func (m *onnxModel) close() {
	m.s.Destroy()
	m.in.Destroy()
	m.out.Destroy()
}

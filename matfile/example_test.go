package matfile_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/spikernn/spikernn/matfile"
)

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "matfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.mat")

	weights := matfile.NewMatrix("W", matfile.Double, 2, 3, []float64{
		1, 2, 3,
		4, 5, 6,
	})
	vars := []*matfile.Var{
		weights,
		matfile.NewScalar("dt", matfile.Double, 0.001),
		matfile.NewString("name", "demo network"),
		matfile.NewLogical("mask", 1, 3, []bool{true, false, true}),
	}
	if err := matfile.WriteFile(path, vars, matfile.WriteOptions{}); err != nil {
		log.Fatal(err)
	}
	// Add a variable and replace one, keeping the others.
	err = matfile.UpdateFile(path, []*matfile.Var{
		matfile.NewScalar("dt", matfile.Double, 0.0005),
		matfile.NewArray("idx", matfile.Int32, []int{1, 2}, []float64{7, 9}),
	}, matfile.WriteOptions{Compress: true})
	if err != nil {
		log.Fatal(err)
	}

	f, err := matfile.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range f.Vars {
		fmt.Printf("%s: %s %v\n", v.Name, v.Class, v.Dims)
	}
	W := f.Get("W")
	fmt.Println("W(2,3) =", W.At(1, 2), "row-major:", W.RowMajor())
	dt, _ := f.Get("dt").Scalar()
	fmt.Println("dt =", dt, "name =", f.Get("name").Str)
	// Output:
	// W: double [2 3]
	// dt: double [1 1]
	// name: char [1 12]
	// mask: logical [1 3]
	// idx: int32 [1 2]
	// W(2,3) = 6 row-major: [1 2 3 4 5 6]
	// dt = 0.0005 name = demo network
}

func ExampleReadFile() {
	// A file written by scipy.io.savemat.
	f, err := matfile.ReadFile("testdata/scipy_v5.mat")
	if err != nil {
		log.Fatal(err)
	}
	dbl := f.Get("dbl")
	fmt.Println(dbl.Class, dbl.Rows(), "x", dbl.Cols(), dbl.RowMajor())
	nd := f.Get("nd")
	fmt.Println(nd.Dims, nd.Data[:4])
	fmt.Printf("%q\n", f.Get("chm").Str)
	fmt.Println("skipped:", f.Skipped)
	// Output:
	// double 2 x 3 [1.5 -2 3 4 5.25 -6e+10]
	// [2 3 4] [1.5 2.5 3.5 4.5]
	// "abc\ndef"
	// skipped: [st ce]
}

func ExampleFile_Lookup() {
	// A file written by Octave, with variables of kinds this package does
	// not decode.
	f, err := matfile.ReadFile("testdata/octave_v7.mat")
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"dbl", "cplx", "ce", "st", "sp", "nope"} {
		v := f.Lookup(name)
		switch {
		case v == nil:
			fmt.Printf("%s is missing\n", name)
		case !v.Supported():
			fmt.Printf("%s is a %s (%v), not decoded\n", name, v.Kind(), v.Dims)
		default:
			fmt.Printf("%s: %s %v\n", name, v.Kind(), v.Dims)
		}
	}
	// Output:
	// dbl: double [2 3]
	// cplx is a complex double ([1 2]), not decoded
	// ce is a cell array ([1 2]), not decoded
	// st is a struct ([1 1]), not decoded
	// sp is a sparse ([2 2]), not decoded
	// nope is missing
}

func ExampleReadFileWith() {
	// A budget of 300 bytes: too small for the first variable, a 2x3
	// double (48 bytes of values, plus its name and dimensions).
	_, err := matfile.ReadFileWith("testdata/scipy_v5.mat", matfile.ReadOptions{MaxBytes: 300})
	var le *matfile.LimitError
	fmt.Println(errors.As(err, &le))
	fmt.Println(err)
	// Output:
	// true
	// matfile: offset 128: variable "dbl" declares 2 x 3 double (323 bytes in memory), over the 300 bytes read budget (matfile.ReadOptions.MaxBytes) (reading testdata/scipy_v5.mat)
}

package parallel

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestForDeterministic(t *testing.T) {
	for _, w := range []int{1, 2, 3, 8, 100} {
		out := make([]int, 50)
		made := atomic.Int32{}
		err := For(context.Background(), len(out), w, func() *[]int { made.Add(1); s := make([]int, 1); return &s },
			func(s *[]int, i int) error {
				(*s)[0] = i * i
				out[i] = (*s)[0]
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range out {
			if v != i*i {
				t.Fatalf("workers %d: out[%d] = %d", w, i, v)
			}
		}
		if int(made.Load()) != Workers(len(out), w) {
			t.Errorf("workers %d: %d scratches made, want %d", w, made.Load(), Workers(len(out), w))
		}
	}
}

func TestForLowestError(t *testing.T) {
	for _, w := range []int{1, 4} {
		err := Each(context.Background(), 100, w, func(i int) error {
			if i == 7 || i == 60 {
				return fmt.Errorf("job %d", i)
			}
			return nil
		})
		if err == nil || err.Error() != "job 7" {
			t.Errorf("workers %d: err = %v, want job 7", w, err)
		}
	}
}

func TestForCancelAndPanic(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	err := Each(ctx, 1000, 2, func(i int) error {
		if ran.Add(1) == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if ran.Load() >= 1000 {
		t.Errorf("all jobs ran after cancel")
	}
	err = Each(context.Background(), 10, 2, func(i int) error {
		if i == 3 {
			var m map[int]int
			m[1] = 1
		}
		return nil
	})
	if err == nil || err.Error() == "" {
		t.Fatal("panic not turned into an error")
	}
}

func TestCounterOrder(t *testing.T) {
	var got []int
	c := NewCounter(20, func(done, total int) { got = append(got, done) })
	_ = Each(context.Background(), 20, 4, func(int) error { c.Step(); return nil })
	for i, d := range got {
		if d != i+1 {
			t.Fatalf("progress out of order: %v", got)
		}
	}
	if len(got) != 20 {
		t.Fatalf("%d reports", len(got))
	}
}

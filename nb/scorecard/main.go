// Command scorecard regenerates the replication scorecard at the top of
// notebooks/README.md from the results files the notebooks write
// (notebooks/results/*.json, by nb.Record): run the notebooks
// (go run ./kernelconfig test), then
//
//	go run ./nb/scorecard
//
// With -check it changes nothing and exits 1 when the committed scorecard
// is not the one the results give.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spikernn/spikernn/nb"
)

func main() {
	dir := flag.String("notebooks", "notebooks", "the notebooks folder (holding README.md and results/)")
	check := flag.Bool("check", false, "only check that README.md's scorecard is up to date")
	flag.Parse()
	files, err := nb.LoadResults(filepath.Join(*dir, "results"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "scorecard:", err)
		os.Exit(1)
	}
	readme := filepath.Join(*dir, "README.md")
	if *check {
		want := nb.Scorecard(files)
		data, err := os.ReadFile(readme)
		if err != nil || !strings.Contains(string(data), want) {
			fmt.Fprintf(os.Stderr, "scorecard: %s is not up to date: run go run ./nb/scorecard\n", readme)
			os.Exit(1)
		}
		return
	}
	changed, err := nb.UpdateScorecard(readme, files)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scorecard:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: scorecard %s\n", readme, map[bool]string{true: "updated", false: "already up to date"}[changed])
}

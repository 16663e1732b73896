package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// runner runs and reports the commands of install, or only prints them
// with --dry-run.
type runner struct {
	ctx    context.Context
	out    io.Writer
	dryRun bool

	done, skipped, problems int
}

// step starts a numbered section of the report.
func (r *runner) step(title string) {
	fmt.Fprintf(r.out, "\n==> %s\n", title)
}

// skip reports something already in place.
func (r *runner) skip(format string, a ...any) {
	r.skipped++
	fmt.Fprintf(r.out, "    skip: "+format+"\n", a...)
}

// note prints an informational line.
func (r *runner) note(format string, a ...any) {
	fmt.Fprintf(r.out, "    "+format+"\n", a...)
}

// did reports something install changed (or would change with --dry-run).
func (r *runner) did(format string, a ...any) {
	r.done++
	verb := "done"
	if r.dryRun {
		verb = "would do"
	}
	fmt.Fprintf(r.out, "    %s: "+format+"\n", append([]any{verb}, a...)...)
}

// problem reports something install could not do; install then exits 1.
func (r *runner) problem(format string, a ...any) {
	r.problems++
	fmt.Fprintf(r.out, "    PROBLEM: "+format+"\n", a...)
}

// run executes a command with its output going to the report, after
// printing it as a shell line. env entries ("K=V") are added to the
// process's environment. With dryRun it only prints the command.
func (r *runner) run(dir string, env []string, name string, args ...string) error {
	return r.runShown(shellLine(dir, env, name, args), dir, env, name, args...)
}

// runShown is run with the command shown as display.
func (r *runner) runShown(display, dir string, env []string, name string, args ...string) error {
	fmt.Fprintf(r.out, "    $ %s\n", display)
	if r.dryRun {
		return nil
	}
	start := time.Now()
	cmd := exec.CommandContext(r.ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	w := &prefixWriter{w: r.out, prefix: "      "}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Stdin = os.Stdin // sudo may ask for a password
	err := cmd.Run()
	w.flush()
	if err != nil {
		return fmt.Errorf("%s: %w", shellLine(dir, env, name, args), err)
	}
	if d := time.Since(start); d > 2*time.Second {
		fmt.Fprintf(r.out, "      (%.1fs)\n", d.Seconds())
	}
	return nil
}

// shellLine renders a command as something one can paste into sh.
func shellLine(dir string, env []string, name string, args []string) string {
	var b strings.Builder
	if dir != "" {
		fmt.Fprintf(&b, "cd %s && ", shellQuote(dir))
	}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&b, "%s=%s ", k, shellQuote(v))
	}
	b.WriteString(shellQuote(name))
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=@,+%^", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// prefixWriter indents every line written through it.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexAny(string(p.buf), "\n\r")
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(p.buf[:i]), " ")
		p.buf = p.buf[i+1:]
		if line == "" {
			continue
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, line); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// flush writes a last unterminated line.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}

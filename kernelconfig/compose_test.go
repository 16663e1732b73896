package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestDockerCompose checks docker-compose.yml, which cannot be run here (no
// Docker engine): its YAML parses (with the distribution's python3-yaml,
// the test skips without it) and it keeps what the GoNB image and
// autostart.sh rely on.
func TestDockerCompose(t *testing.T) {
	repo, err := findRepo("")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(repo, "docker-compose.yml")
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3 to parse YAML with")
	}
	if exec.Command(python, "-c", "import yaml").Run() != nil {
		t.Skip("python3-yaml is not installed (apt-get install python3-yaml)")
	}
	out, err := exec.Command(python, "-c",
		"import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)", path).CombinedOutput()
	if err != nil {
		t.Fatalf("%s is not valid YAML: %v\n%s", path, err, out)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `json:"image"`
			Ports       []string          `json:"ports"`
			Environment map[string]string `json:"environment"`
			Volumes     []json.RawMessage `json:"volumes"`
		} `json:"services"`
		Volumes map[string]any `json:"volumes"`
	}
	if err := json.Unmarshal(out, &compose); err != nil {
		t.Fatalf("unexpected structure: %v\n%s", err, out)
	}
	svc, ok := compose.Services["notebooks"]
	if !ok {
		t.Fatalf("no service notebooks: %s", out)
	}
	if !strings.HasPrefix(svc.Image, "janpfeifer/gonb_jupyterlab") {
		t.Errorf("image %q", svc.Image)
	}
	// The image is pinned to a release tag (vX.Y.Z), never "latest" or untagged.
	if _, tag, ok := strings.Cut(svc.Image, ":"); !ok || tag == "latest" || !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(tag) {
		t.Errorf("image %q is not pinned to a release tag (janpfeifer/gonb_jupyterlab:vX.Y.Z)", svc.Image)
	}
	if len(svc.Ports) != 1 || !strings.HasSuffix(svc.Ports[0], ":8888") {
		t.Errorf("ports %q", svc.Ports)
	}
	root := svc.Environment["SPIKERNN_ROOT"]
	var targets []string
	for _, v := range svc.Volumes {
		var short string
		var long struct {
			Source, Target string
			ReadOnly       bool `json:"read_only"`
		}
		switch {
		case json.Unmarshal(v, &short) == nil:
			parts := strings.Split(short, ":")
			if len(parts) < 2 {
				t.Errorf("volume %q", short)
				continue
			}
			if _, named := compose.Volumes[parts[0]]; !named && !strings.HasPrefix(parts[0], ".") {
				t.Errorf("volume %q uses undeclared named volume %q", short, parts[0])
			}
			targets = append(targets, parts[1])
		case json.Unmarshal(v, &long) == nil:
			targets = append(targets, long.Target)
			if long.Target == "/root/autostart/autostart.sh" && !long.ReadOnly {
				t.Error("autostart.sh must be mounted read-only, or the image does not run it")
			}
			if strings.HasPrefix(long.Source, ".") {
				if _, err := os.Stat(filepath.Join(repo, long.Source)); err != nil {
					t.Errorf("volume source: %v", err)
				}
			}
		}
	}
	if root == "" || !strings.HasPrefix(root, "/notebooks/") || !slices.Contains(targets, root) {
		t.Errorf("SPIKERNN_ROOT=%q is not the repository's mount point (%q)", root, targets)
	}
	if !slices.Contains(targets, "/root/autostart/autostart.sh") {
		t.Errorf("autostart.sh is not mounted: %q", targets)
	}

	script := filepath.Join(repo, "kernelconfig", "docker", "autostart.sh")
	fi, err := os.Stat(script)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable (chmod +x; git keeps the mode)", script)
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", script, err, out)
		}
	}
}

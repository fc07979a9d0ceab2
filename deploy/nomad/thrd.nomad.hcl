# thrd on every Nomad client: a system job, Docker driver. docs/deploy.md, "Nomad".
#   nomad job run deploy/nomad/thrd.nomad.hcl
#   nomad alloc exec -task thrd <alloc-id> thrctl status
# Not validated here (no nomad binary on Debian); tests/integration/deploy_manifests.sh checks
# the embedded config with `thrd --check` and the stop limits below.
job "thrd" {
  type        = "system"
  datacenters = ["*"] # Nomad >= 1.5; name yours on older ones

  group "thrd" {
    # Kept decisions live in the alloc dir (see --state-dir): sticky keeps them when the job is
    # updated in place on the same client (best effort), like an emptyDir in Kubernetes; they
    # do not follow the job to another client.
    ephemeral_disk {
      sticky = true
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "5s"
      mode     = "delay"
    }

    task "thrd" {
      driver = "docker"

      # SIGTERM: thrd stops every job in parallel, each up to its stop_timeout (at most 5m),
      # then exits 0. Nomad's default kill_timeout (5s) would SIGKILL jobs still stopping.
      kill_signal  = "SIGTERM"
      kill_timeout = "330s"

      config {
        # Replace with where you pushed the image built from ./Dockerfile.
        image = "ghcr.io/example/thrd:0.1.0"
        # The config from the template below (local/ is /local in the container), the socket
        # where THRD_SOCKET points, the kept decisions in the alloc dir's data/ (see above).
        command = "thrd"
        args = ["--config", "/local/thrd/thrd.json", "--socket", "/run/thrd/thrd.sock",
        "--state-dir", "/alloc/data"]
      }

      env {
        THRD_SOCKET = "/run/thrd/thrd.sock"
      }

      # The config. A change re-renders the file and sends SIGHUP: thrd reloads, changing only
      # the jobs whose settings changed; an invalid config is refused and logged by thrd, and
      # the running jobs stay as they were. Drop-ins: more template blocks into local/thrd/
      # (the include pattern below reads every other *.json there).
      template {
        destination   = "local/thrd/thrd.json"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        # No Go-template actions in the JSON: it is copied as is.
        data = <<EOT
{
  "include": ["*.json"],
  "jobs": [
    { "name": "tick", "task": "timestamp", "every": "1s" },
    { "name": "disk-usage", "task": "exec", "command": ["df", "-h", "/"], "every": "1h",
      "timeout": "1m", "stop_timeout": "30s" }
  ]
}
EOT
      }

      resources {
        cpu    = 100 # MHz
        memory = 256 # MiB; the jobs' processes count too
      }

      # Script checks need Consul; without Consul, leave this block out (Nomad's own service
      # provider has only http and tcp checks), and rely on the restart block for a crash.
      service {
        name     = "thrd"
        provider = "consul"
        check {
          name     = "thrctl ping"
          type     = "script"
          command  = "thrctl"
          args     = ["--timeout", "3s", "ping"]
          interval = "30s"
          timeout  = "5s"
          check_restart {
            limit = 3
            grace = "30s"
          }
        }
      }
    }
  }
}

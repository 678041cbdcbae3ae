"""Unattended runs (cron, systemd): the per-config lock, SQLite history and its chart and trend, retention,
metrics, alerts, endpoint checks and scheduling. `auditor.run.run_config` calls them around one audit."""

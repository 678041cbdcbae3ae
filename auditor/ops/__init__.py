"""Unattended runs (cron, systemd): the per-config lock, SQLite history and its chart and trend, retention,
metrics, alerts, endpoint checks and scheduling. `unattended.run_unattended` ties them around one audit."""

"""`auditor schedule CONFIG --cron "0 3 * * *"`: the daily run as a crontab line (printed, or installed into the
user's crontab with `--install`) or as a systemd service + timer pair (`--systemd DIR`). Either runs
`python -m auditor run CONFIG --log-format json` from the checkout that runs this command, with the secrets
from an environment file (KEY="value" lines, readable only by the user) and the output appended to a log file.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import auditor
from auditor.config import load_config
from auditor.errors import ExitCode, InputProblem
from auditor.secrets import PlaceholderEnviron

log = logging.getLogger("auditor.ops.schedule")
PROJECT_ROOT = Path(auditor.__file__).resolve().parents[1]
DESCRIPTION = __doc__.split("\n\n")[0].replace("`auditor schedule CONFIG --cron \"0 3 * * *\"`: ", "").strip() + (
    "\n\nCheck the config first with `auditor check CONFIG`.")
ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
           "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
SYSTEMD_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
FIELDS = (("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
          ("month", 1, 12, MONTHS), ("day of week", 0, 7, DAYS))


class ScheduleError(InputProblem, ValueError):
    """The cron expression or the paths cannot be used; the message says why."""


@dataclass(frozen=True)
class CronSpec:
    expression: str
    fields: tuple[frozenset[int] | None, ...]  # None: every value ("*")

    def on_calendar(self) -> str:
        """The systemd OnCalendar= equivalent (systemd.time(7))."""
        minute, hour, dom, month, dow = self.fields
        if dom is not None and dow is not None:
            raise ScheduleError(f"{self.expression!r} restricts both the day of month and the day of week, which cron "
                                "reads as either one and systemd as both: use one of them")
        days = "" if dow is None else ",".join(SYSTEMD_DAYS[d] for d in sorted(dow)) + " "

        def part(values: frozenset[int] | None, width: int) -> str:
            return "*" if values is None else ",".join(f"{v:0{width}d}" for v in sorted(values))

        return f"{days}*-{part(month, 2)}-{part(dom, 2)} {part(hour, 2)}:{part(minute, 2)}:00"


def parse_cron(expression: str) -> CronSpec:
    text = ALIASES.get(expression.strip().lower(), expression.strip())
    if text.startswith("@"):
        raise ScheduleError(f"{expression!r}: only {', '.join(ALIASES)} are understood")
    parts = text.split()
    if len(parts) != 5:
        raise ScheduleError(f"{expression!r}: a cron schedule has 5 fields (minute hour day-of-month month "
                            "day-of-week), e.g. \"0 3 * * *\"")
    fields = tuple(_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True))
    dow = fields[4]
    if dow is not None:  # 7 is Sunday too
        dow = frozenset(0 if d == 7 else d for d in dow)
        fields = (*fields[:4], None if dow == frozenset(range(7)) else dow)
    return CronSpec(text, fields)


def _field(text: str, name: str, low: int, high: int, names: list[str] | None) -> frozenset[int] | None:
    if text == "*":
        return None
    values: set[int] = set()
    for item in text.split(","):
        match = re.fullmatch(r"(\*|[0-9a-z]+)(?:-([0-9a-z]+))?(?:/([0-9]+))?", item.lower())
        if not match:
            raise ScheduleError(f"{name} field {text!r}: cannot read {item!r}")
        start_text, end_text, step_text = match.groups()
        start = low if start_text == "*" else _value(start_text, name, low, high, names)
        end = high if start_text == "*" or (step_text and not end_text) else start
        if end_text:
            end = _value(end_text, name, low, high, names)
        step = int(step_text) if step_text else 1
        if step < 1 or end < start:
            raise ScheduleError(f"{name} field {text!r}: empty range {item!r}")
        values.update(range(start, end + 1, step))
    return None if values == set(range(low, high + 1)) else frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: list[str] | None) -> int:
    if names and text in names:
        return names.index(text) + (1 if name == "month" else 0)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleError(f"{name} must be {low}..{high}, got {text!r}")
    return int(text)


@dataclass(frozen=True)
class Job:
    """What the schedule runs, with absolute paths."""

    config: Path
    working_dir: Path
    python: str
    env_file: Path
    log_file: Path
    name: str

    def argv(self) -> list[str]:
        return [self.python, "-m", "auditor", "run", str(self.config), "--log-format", "json"]


def crontab_line(spec: CronSpec, job: Job) -> str:
    """One crontab line; `%` is special to cron (a newline), so it is escaped; the trailing comment marks the
    line as this config's, so that --install replaces it instead of adding a second one."""
    q = shlex.quote
    command = (f"cd {q(str(job.working_dir))} && mkdir -p {q(str(job.log_file.parent))} && "
               f"{{ set -a; . {q(str(job.env_file))}; set +a; "
               f"exec {' '.join(q(a) for a in job.argv())}; }} >> {q(str(job.log_file))} 2>&1")
    return f"{spec.expression} {command.replace('%', chr(92) + '%')} {marker(job)}"


def marker(job: Job) -> str:
    return f"# auditor-schedule:{job.config}"


def _unit_word(text: str) -> str:
    """An ExecStart/path word for a unit file: quoted when needed; `%` doubled (systemd specifiers)."""
    text = text.replace("%", "%%")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_units(spec: CronSpec, job: Job) -> dict[str, str]:
    service = f"""[Unit]
Description=Proof-of-reserves audit ({job.config.name})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={_unit_word(str(job.working_dir))}
EnvironmentFile={_unit_word(str(job.env_file))}
ExecStart={" ".join(_unit_word(a) for a in job.argv())}
StandardOutput=append:{job.log_file}
StandardError=append:{job.log_file}
Nice=10
"""
    timer = f"""[Unit]
Description=Schedule of the proof-of-reserves audit ({job.config.name}): {spec.expression}

[Timer]
OnCalendar={spec.on_calendar()}
Persistent=true
Unit={job.name}.service

[Install]
WantedBy=timers.target
"""
    return {f"{job.name}.service": service, f"{job.name}.timer": timer}


def install_crontab(line: str, job: Job) -> None:
    """Replace this config's line in the user's crontab (or add it), keeping every other line."""
    listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False, timeout=30)
    current = listed.stdout if listed.returncode == 0 else ""  # "no crontab for user" exits 1
    kept = [entry for entry in current.splitlines() if not entry.rstrip().endswith(marker(job))]
    written = subprocess.run(["crontab", "-"], input="\n".join([*kept, line]) + "\n", capture_output=True,
                             text=True, check=False, timeout=30)
    if written.returncode != 0:
        raise ScheduleError(f"crontab refused the line: {written.stderr.strip()}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="TOML config of the audit to run")
    parser.add_argument("--cron", default="0 3 * * *", help='when, as a cron schedule (default "0 3 * * *", '
                        "03:00 local time daily); @daily, @weekly... accepted")
    parser.add_argument("--install", action="store_true", help="install the line into your crontab "
                        "(replacing this config's earlier line)")
    parser.add_argument("--systemd", type=Path, metavar="DIR", help="write NAME.service and NAME.timer into DIR "
                        "(e.g. ~/.config/systemd/user) instead of a crontab line")
    parser.add_argument("--env-file", type=Path, help="environment file with the config's secrets "
                        "(default: CONFIG with the suffix .env)")
    parser.add_argument("--log-file", type=Path, help="log file (default: audit.log in the output directory)")
    parser.add_argument("--name", help="systemd unit name (default: auditor-<config name>)")


def command(args: argparse.Namespace) -> int:
    """A config or cron error raises (exit 2, by auditor.cli); so does a path that cannot be written."""
    try:
        return _schedule(args)
    except OSError as exc:
        raise ScheduleError(str(exc)) from exc


def _schedule(args: argparse.Namespace) -> int:
    config = load_config(args.config, PlaceholderEnviron())  # paths only: the secrets belong to the run
    spec = parse_cron(args.cron)
    config_path = Path(config.path).resolve()
    job = Job(
        config=config_path, working_dir=PROJECT_ROOT, python=sys.executable,
        env_file=(args.env_file or config_path.with_suffix(".env")).expanduser().absolute(),
        log_file=(args.log_file or config.output_dir / "audit.log").expanduser().absolute(),
        name=args.name or "auditor-" + re.sub(r"[^A-Za-z0-9_.-]", "-", config_path.stem),
    )
    _warn_about_env_file(job.env_file)
    if args.systemd or args.install:  # the log's directory must exist before the first run appends to it
        job.log_file.parent.mkdir(parents=True, exist_ok=True)
    if args.systemd:
        units = systemd_units(spec, job)
        args.systemd.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            (args.systemd / name).write_text(text, encoding="utf-8")
            print(f"wrote {args.systemd / name}")
        scope = "--user " if "/.config/systemd/user" in str(args.systemd.absolute()) else ""
        print(f"enable it with: systemctl {scope}daemon-reload && systemctl {scope}enable --now {job.name}.timer")
        return ExitCode.OK
    line = crontab_line(spec, job)
    if args.install:
        install_crontab(line, job)
        print(f"installed into your crontab: {line}")
    else:
        print(line)
    return ExitCode.OK


def _warn_about_env_file(path: Path) -> None:
    """The file holds secrets: say when it is missing or readable by others (it is never read here)."""
    if not path.exists():
        log.warning("%s does not exist yet: put the config's variables there as KEY=\"value\" lines (the same file "
                    "works for cron and systemd), then chmod 600 it", path)
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("%s is readable by other users (mode %o): it holds secrets, chmod 600 it", path,
                    stat.S_IMODE(mode))
    if not os.access(path, os.R_OK):
        log.warning("%s is not readable by you: the scheduled run would fail", path)

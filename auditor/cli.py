"""Command line: `auditor run CONFIG`, `auditor verify FILE`, `auditor demo`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from auditor import __version__
from auditor.assets import RegistryError
from auditor.audit import EXIT_INPUT, EXIT_INTERNAL, EXIT_LOCKED, EXIT_SOURCE, run_audit, verify_file
from auditor.config import ConfigError, load_config
from auditor.formats import InputError
from auditor.ownership import OwnershipPolicy
from auditor.progress import RunProgress
from auditor.report import EXIT_MEANING
from auditor.runs import RunLocked, append_history, exclusive_run, send_alert
from chains.base import DataSourceError
from chains.transport import scrub_known

EPILOG = """exit codes:
  0  every asset meets its required ratio and no row failed
  1  a shortfall or a failed row
  2  config or input error (file, line and field named)
  3  a data source could not answer (the report lists the addresses; none counted as zero)
  4  another run holds the output directory's lock
 70  internal error (a bug in auditor)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Independent proof-of-reserves auditor: checks an exchange's published address file "
        "(ownership signatures, balances at the snapshot block) against its declared liabilities.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="full audit from a config file", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Read the address file named in CONFIG, verify every ownership signature, read every "
        "balance at the snapshot block from the configured endpoints, and write report.json, report.md and "
        "addresses.csv into a new directory under the output directory.",
    )
    run.add_argument("config", type=Path, help="TOML config (see configs/example.toml)")
    run.add_argument("--out", type=Path, help="output directory (default: [output] dir of the config)")
    run.add_argument("--resume", action="store_true",
                     help="continue a run that was killed: reuse its saved verdicts and balances (OUT/.work)")
    run.add_argument("--quiet", action="store_true", help="no progress bars or progress lines on stderr")

    verify = commands.add_parser(
        "verify", help="check ownership signatures only (no chain access)", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Verify every row's ownership signature offline and write addresses.csv and report.json.",
    )
    verify.add_argument("file", type=Path, help="published address file (any OKX layout, HTX)")
    verify.add_argument("--out", type=Path, default=Path("reports"), help="output directory (default: reports)")
    verify.add_argument("--message", action="append", metavar="TEXT",
                        help="the exchange's signed statement; rows signing anything else fail (repeatable)")
    verify.add_argument("--trust-owner-mode", action="store_true",
                        help="count contract wallets proven only by their owners' keys as verified")

    demo = commands.add_parser(
        "demo", help="start a local anvil, build a signed demo file and run a full audit on it",
        description="Starts anvil on 127.0.0.1, deploys ERC-20 tokens and Multicall3, funds addresses whose keys "
        "sign an OKX-layout file, and runs `auditor run` on configs/demo.toml.",
    )
    demo.add_argument("--out", type=Path, help="output directory (default: [output] dir of the demo config)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except Exception as exc:  # a bug: say so plainly, with a distinct code, rather than a bare traceback
        import traceback

        print(scrub_known(traceback.format_exc()), file=sys.stderr)
        message = scrub_known(f"internal error, please report it: {type(exc).__name__}: {exc}")
        if args.command == "run":
            _alert_internal(args.config, message)
        return _fail(EXIT_INTERNAL, message)


def _alert_internal(config_path: Path, message: str) -> None:
    """Cron users learn of a crash through the same alert command as of a failed audit."""
    try:
        config = load_config(config_path)
    except ConfigError:
        return
    send_alert(config.alert_command, EXIT_INTERNAL, None, message)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from auditor.demo.run import run_demo

        return run_demo(args.out)
    if args.command == "verify":
        try:
            statements = frozenset(args.message) if args.message else None
            outcome = verify_file(args.file, args.out, OwnershipPolicy(statements, args.trust_owner_mode))
        except (InputError, RegistryError) as exc:
            return _fail(EXIT_INPUT, str(exc))
        meaning = "no row failed" if outcome.exit_code == 0 else None
        return _finish(outcome.exit_code, outcome.directory, meaning)
    return run_command(args.config, args.out, args.resume, args.quiet)


def run_command(config_path: Path, out: Path | None, resume: bool = False, quiet: bool = False) -> int:
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return _fail(EXIT_INPUT, str(exc))
    output_dir = out or config.output_dir
    try:
        with exclusive_run(output_dir):
            progress = RunProgress.auto(quiet)
            try:
                outcome = asyncio.run(run_audit(config, output_dir, resume=resume, progress=progress))
            finally:
                progress.close()
            append_history(output_dir, outcome.directory, outcome.report)
    except RunLocked as exc:
        return _fail(EXIT_LOCKED, str(exc))
    except (InputError, ConfigError, RegistryError) as exc:
        send_alert(config.alert_command, EXIT_INPUT, None, str(exc))
        return _fail(EXIT_INPUT, str(exc))
    except DataSourceError as exc:
        send_alert(config.alert_command, EXIT_SOURCE, None, str(exc))
        return _fail(EXIT_SOURCE, str(exc))
    if outcome.exit_code != 0:
        note = send_alert(config.alert_command, outcome.exit_code, outcome.directory, EXIT_MEANING[outcome.exit_code])
        if note:
            print(f"auditor: {note}", file=sys.stderr)
    _print_table(outcome.report)
    return _finish(outcome.exit_code, outcome.directory)


def _print_table(report) -> None:
    from auditor.money import dec_str

    for verdict in report.assets:
        ratio = f"{verdict.ratio * 100:.2f} %" if verdict.ratio is not None else "no liabilities"
        state = "PASS" if verdict.ok else "FAIL"
        print(f"  {verdict.asset:<8} on chain {dec_str(verdict.totals.onchain_verified):>24}  {ratio:>16}  {state}")


def _finish(code: int, directory: Path, meaning: str | None = None) -> int:
    print(f"report: {directory}/report.md (exit {code}: {meaning or EXIT_MEANING[code]})")
    return code


def _fail(code: int, message: str) -> int:
    print(f"auditor: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

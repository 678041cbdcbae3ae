"""Command line: `auditor run CONFIG`, `auditor verify FILE`, `auditor verify-inclusion PROOF`, `auditor demo`,
and for unattended runs `auditor check`, `auditor history`, `auditor schedule`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from auditor import __version__, cross_check, init_config, plan
from auditor.audit import verify_file
from auditor.config import check_output_dir, load_config
from auditor.errors import AuditorError, ExitCode
from auditor.logs import FORMATS, setup_logging
from auditor.ops import check, schedule, trend
from auditor.ops.alerts import AlertEvent, send_alerts
from auditor.ownership import OwnershipPolicy
from auditor.progress import RunProgress
from auditor.run import run_config
from chains.transport import scrub_known

log = logging.getLogger("auditor")

EPILOG = "exit codes:\n" + "".join(f"{int(code):>3}  {code.meaning}\n" for code in ExitCode)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Independent proof-of-reserves auditor: checks an exchange's published address file "
        "(ownership signatures, balances at the snapshot block) against its declared liabilities.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    parser.add_argument("--log-format", choices=FORMATS, default="text",
                        help="text (default) or json: one JSON object per line, for log collectors")
    logs = argparse.ArgumentParser(add_help=False)  # --log-format also accepted after the command
    logs.add_argument("--log-format", choices=FORMATS, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="full audit from a config file", epilog=EPILOG, parents=[logs],
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
        "verify", help="check ownership signatures only (no chain access)", epilog=EPILOG, parents=[logs],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Verify every row's ownership signature offline and write addresses.csv and report.json.",
    )
    verify.add_argument("file", type=Path, help="published address file (any OKX layout, HTX)")
    verify.add_argument("--out", type=Path, default=Path("reports"), help="output directory (default: reports)")
    verify.add_argument("--message", action="append", metavar="TEXT",
                        help="the exchange's signed statement; rows signing anything else fail (repeatable)")
    verify.add_argument("--trust-owner-mode", action="store_true",
                        help="count contract wallets proven only by their owners' keys as verified")
    verify.add_argument("--quiet", action="store_true", help="no progress bars or progress lines on stderr")

    inclusion = commands.add_parser(
        "verify-inclusion", help="is one user's balance in the published liabilities? (yes/no with the reason)",
        description="Check a user's inclusion proof: OKX v1 (merkle_proof_file.json), OKX v2 (user_info_file.json, "
        "with --tree), OKX zk-STARK v1 (user_<i>_inclusion_proof.json), BitMEX ({\"account\", \"nonce\"} JSON, "
        "with --tree). The format is detected from the file. Exit 0 yes, 1 no, 2 bad input.",
    )
    inclusion.add_argument("proof", type=Path, help="the user's proof file (JSON)")
    inclusion.add_argument("--tree", type=Path, help="the full liabilities tree (OKX v1 and v2, BitMEX)")
    inclusion.add_argument("--root", metavar="HASH",
                           help="the root hash the exchange published (OKX v1, zk-STARK trunk root); without it or "
                           "--tree the answer is 'not anchored'")

    demo = commands.add_parser(
        "demo", help="start local nodes, build a signed demo file and liabilities tree, run a full audit on it",
        description="Starts two anvil nodes (Ethereum, Arbitrum) and a Litecoin regtest node on 127.0.0.1, deploys "
        "Multicall3 and ERC-20 tokens, funds addresses whose keys sign an OKX-layout file, builds the customers' "
        "Merkle-sum liabilities tree, runs `auditor run` on configs/demo.toml, checks one customer's inclusion "
        "proof and prints where report.html is.",
    )
    demo.add_argument("--out", type=Path, help="output directory (default: [output] dir of the demo config)")
    demo.add_argument("--quiet", action="store_true", help="no progress bars or progress lines on stderr")

    check.add_arguments(commands.add_parser(
        "check", parents=[logs], help="validate a config and reach every endpoint (chain, snapshot block)",
        description=check.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    plan.add_arguments(commands.add_parser(
        "plan", help="what a run will ask its providers: rows, balances, requests and time per network",
        description=plan.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    trend.add_arguments(commands.add_parser(
        "history", parents=[logs], help="the config's past runs: ratios and totals over time",
        description=trend.DESCRIPTION))
    init_config.add_arguments(commands.add_parser(
        "init", help="write a commented config that audits a published file (networks, statements, heights)",
        description=init_config.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    cross_check.add_arguments(commands.add_parser(
        "cross-check", help="list balances claimed by two exchanges, or twice in one file (double claims)",
        description=cross_check.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    schedule.add_arguments(commands.add_parser(
        "schedule", parents=[logs], help="print or install a cron line or systemd timer running the audit",
        description=schedule.DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def main(argv: list[str] | None = None) -> int:
    """The one place an exception becomes an exit code: an expected failure (auditor.errors.AuditorError and
    its subclasses) by its class's `exit_code`, with its message; anything else is a bug (exit 70)."""
    args = _parser().parse_args(argv)
    setup_logging(args.log_format)
    try:
        return _dispatch(args)
    except AuditorError as exc:
        log.error("%s", scrub_known(str(exc)))
        return exc.exit_code
    except Exception as exc:  # a bug: say so plainly, with a distinct code, rather than a bare traceback
        import traceback

        log.error("%s", scrub_known(traceback.format_exc()).rstrip())
        message = scrub_known(f"internal error, please report it: {type(exc).__name__}: {exc}")
        if args.command == "run":
            _alert_internal(args.config, message)
        log.error("%s", message)
        return ExitCode.INTERNAL


def _alert_internal(config_path: Path, message: str) -> None:
    """Cron users learn of a crash through the same alerts as of a failed audit."""
    try:
        config = load_config(config_path)
    except AuditorError:
        return
    send_alerts(config.ops.alerts, AlertEvent(str(Path(config_path).resolve()), ExitCode.INTERNAL, message))


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from auditor.demo.run import run_demo

        return run_demo(args.out, args.quiet)
    if args.command == "verify-inclusion":
        return verify_inclusion_command(args.proof, args.tree, args.root)
    if args.command == "verify":
        statements = frozenset(args.message) if args.message else None
        check_output_dir(args.out.resolve(), "--out")
        progress = RunProgress.auto(args.quiet)
        try:
            outcome = verify_file(args.file, args.out, OwnershipPolicy(statements, args.trust_owner_mode),
                                  progress=progress)
        finally:
            progress.close()
        meaning = "no row failed" if outcome.exit_code == ExitCode.OK else outcome.exit_code.meaning
        print(f"report: {outcome.directory}/report.md (exit {int(outcome.exit_code)}: {meaning})")
        return outcome.exit_code
    if args.command == "init":
        return init_config.command(args)
    if args.command == "cross-check":
        return cross_check.command(args)
    if args.command in ("check", "history", "schedule", "plan"):
        return {"check": check.command, "history": trend.command, "schedule": schedule.command,
                "plan": plan.command}[args.command](args)
    return run_command(args.config, args.out, args.resume, args.quiet)


def verify_inclusion_command(proof: Path, tree: Path | None, root: str | None = None) -> int:
    from auditor.liabilities.inclusion import verify_inclusion

    result = verify_inclusion(proof, tree, root)  # ProofInputError: exit 2, by main()
    print(f"{'yes' if result.included else 'no'} ({result.format}): {result.reason}")
    for key, value in result.details.items():
        print(f"  {key}: {value}")
    return ExitCode.OK if result.included else ExitCode.SHORTFALL


def run_command(config_path: Path, out: Path | None, resume: bool = False, quiet: bool = False) -> int:
    config = load_config(config_path)  # ConfigError: exit 2, by main()
    directory = out or config.output_dir
    check_output_dir(directory.resolve(), "--out" if out else "[output] dir")  # before any work, not a traceback
    return run_config(config, directory, resume=resume, quiet=quiet)


if __name__ == "__main__":
    sys.exit(main())

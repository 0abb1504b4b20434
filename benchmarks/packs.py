"""Platform packs: how `ci-gen fleet` grows with the number of repositories, and what a pack costs `check`.

    .venv/bin/python benchmarks/packs.py fleet [--sizes 10 100 1000] [--stale-every 10]
    .venv/bin/python benchmarks/packs.py check [--rounds 20]

Both install the example pack (examples/platform-pack, acme-ml) with pip into a scratch folder put on
PYTHONPATH, so ci-gen finds it through its entry point as it would in a real environment, and time cold
`ci-gen` processes.

`fleet`: N copies of a small clean project (tests/doctor/clean) using the pack, generated once and copied;
every `--stale-every`-th copy gets a spec change, so that `fleet` must render it (the others are answered
from their headers after the spec is validated and doctor has run). Reports the wall time of one
`ci-gen fleet LIST --format json` per size, and the time per repository.

`check`: cold `ci-gen check` on an up-to-date project (the header path) and on one whose spec changed
(a full render and compare), each with and without the pack; rounds interleave the four commands.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLEAN = REPO / "tests" / "doctor" / "clean"
PACK = REPO / "examples" / "platform-pack"
CI_GEN = str(Path(sys.executable).with_name("ci-gen"))
PACK_LINE = 'templates:\n  - {pack: acme-ml, version: "~=1.0"}\n'


def install_pack(folder: Path) -> dict[str, str]:
    site = folder / "site"
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*argv, "--target", str(site), str(PACK)], check=True, capture_output=True)
    return {**os.environ, "PYTHONPATH": str(site)}


def project(destination: Path, env: dict[str, str], with_pack: bool = True) -> Path:
    root = shutil.copytree(CLEAN, destination)
    if with_pack:
        with (root / "ci-gen.yaml").open("a") as spec:
            spec.write(PACK_LINE)
    subprocess.run([CI_GEN, "-C", str(root), "generate"], env=env, check=True, capture_output=True)
    return root


def make_stale(root: Path) -> None:
    spec = root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("python train.py", "python train.py --seed 1"))


def timed(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> tuple[float, bytes]:
    """Seconds for one cold process, and what it printed."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode()}")
    return elapsed, result.stdout


def fleet(sizes: list[int], stale_every: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ci-gen-fleet-") as folder:
        base = Path(folder)
        env = install_pack(base)
        template = project(base / "template", env)
        print(f"{'repositories':>12} {'stale':>6} {'wall':>9} {'per repo':>9}")
        for size in sizes:
            listing = build_fleet(base / f"fleet-{size}", template, size, stale_every)
            elapsed, output = timed([CI_GEN, "fleet", str(listing), "--format", "json"], env)
            stale = json.loads(output)["summary"].get("stale", 0)
            print(f"{size:>12} {stale:>6} {elapsed:>8.2f}s {elapsed / size * 1000:>7.1f}ms")


def build_fleet(folder: Path, template: Path, size: int, stale_every: int) -> Path:
    folder.mkdir()
    names = []
    for index in range(size):
        root = shutil.copytree(template, folder / f"repo-{index:04d}", symlinks=True)
        if stale_every and index % stale_every == stale_every - 1:
            make_stale(root)
        names.append(root.name)
    listing = folder / "repos.txt"
    listing.write_text("\n".join(names) + "\n")
    return listing


def check(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ci-gen-check-") as folder:
        base = Path(folder)
        env = install_pack(base)
        todo = {
            "up to date, no pack": project(base / "plain", env, with_pack=False),
            "up to date, pack": project(base / "pack", env),
            "spec changed, no pack": project(base / "plain-stale", env, with_pack=False),
            "spec changed, pack": project(base / "pack-stale", env),
        }
        make_stale(todo["spec changed, no pack"])
        make_stale(todo["spec changed, pack"])
        times: dict[str, list[float]] = {name: [] for name in todo}
        for index in range(rounds + 2):
            order = list(todo)[index % 4 :] + list(todo)[: index % 4]
            for name in order:
                elapsed, _ = timed([CI_GEN, "-C", str(todo[name]), "check"], env)
                if index >= 2:  # two warm-up rounds
                    times[name].append(elapsed)
        print(f"{'ci-gen check':<24} {'median':>9} {'min':>9}")
        for name, samples in times.items():
            print(f"{name:<24} {statistics.median(samples) * 1000:>7.1f}ms {min(samples) * 1000:>7.1f}ms")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fleet_parser = commands.add_parser("fleet")
    fleet_parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    fleet_parser.add_argument("--stale-every", type=int, default=10)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average before: {load:.1f}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    if args.command == "fleet":
        fleet(args.sizes, args.stale_every)
    else:
        check(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

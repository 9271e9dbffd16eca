"""Keep the embedded default's processes (web, worker, beat) running: start each, append its output to
<log-dir>/<name>.log, restart any that exits (after a growing pause), and say so loudly in its log, in
<log-dir>/supervise.log and on the console. A program that keeps dying right after its start is given up
after --max-quick-failures tries: everything is stopped and the supervisor exits non-zero, because a platform
without its worker or beat silently misses every deadline (issue 10 §1). SIGINT/SIGTERM stop all programs.

Standard library only: it runs before anything else is known to work.

    python scripts/supervise.py --log-dir var/log "web=python manage.py runserver" "worker=celery -A yuqing worker"
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass
class Program:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None  # set while a restart waits out its pause
    restarts: int = field(default=0)


def die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the supervisor dies, even by kill -9, so no web,
    worker or beat is left running unsupervised (a second scripts/start would then find the port taken)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stamp() -> str:
    # With the UTC offset: the programs log in the project's time zone, the supervisor in the machine's.
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S%z")


def exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"被信号 {signal.Signals(-returncode).name} 终止"
        except ValueError:
            return f"被信号 {-returncode} 终止"
    return f"退出码 {returncode}"


class Supervisor:
    def __init__(self, programs: list[Program], options: argparse.Namespace):
        self.programs = programs
        self.options = options
        self.log_dir: Path = options.log_dir
        self.stopping = False
        self.gave_up: Program | None = None

    # --- messages -------------------------------------------------------------------------
    def _append(self, path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    def note(self, program: Program, text: str) -> None:
        """A routine line: in the program's log and the supervisor's."""
        line = f"[{stamp()}] supervise: {text}"
        self._append(program.log_path, line)
        self._append(self.log_dir / "supervise.log", line)

    def alarm(self, program: Program, text: str) -> None:
        """A loud line: the program's log, the supervisor's log and the console (stderr)."""
        line = f"[{stamp()}] !!! supervise: {text}"
        self._append(program.log_path, line)
        self._append(self.log_dir / "supervise.log", line)
        print(line, file=sys.stderr, flush=True)

    # --- processes ------------------------------------------------------------------------
    def start(self, program: Program) -> None:
        with program.log_path.open("ab") as log:
            # Its own session: the program and whatever it forks (the worker's pool) form one process group
            # that can be swept as a whole, and a Ctrl-C on the console reaches only the supervisor.
            program.process = subprocess.Popen(
                program.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        program.started_at = time.monotonic()
        program.restart_at = None
        self.note(program, f"启动 {program.name}，pid {program.process.pid}：{shlex.join(program.argv)}")

    def sweep_group(self, program: Program) -> None:
        """Kill what is left of an exited program's process group (e.g. pool children of a killed worker)."""
        if program.process is None:
            return
        try:
            os.killpg(program.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def on_exit(self, program: Program, returncode: int) -> None:
        self.sweep_group(program)
        uptime = time.monotonic() - program.started_at
        program.quick_failures = program.quick_failures + 1 if uptime < self.options.min_uptime else 0
        pid = program.process.pid if program.process else "?"
        if program.quick_failures >= self.options.max_quick_failures:
            self.alarm(
                program,
                f"{program.name}（pid {pid}）{exit_description(returncode)}，已连续 {program.quick_failures} 次启动后"
                f"不到 {self.options.min_uptime:g} 秒即退出，放弃重启并停止全部进程；请查看 {program.log_path}",
            )
            self.gave_up = program
            return
        pause = min(self.options.backoff * 2 ** max(program.quick_failures - 1, 0), self.options.backoff_max)
        program.restarts += 1
        program.restart_at = time.monotonic() + pause
        self.alarm(
            program,
            f"{program.name}（pid {pid}）意外{exit_description(returncode)}（运行 {uptime:.1f} 秒），"
            f"{pause:g} 秒后重启（第 {program.restarts} 次重启）",
        )

    def stop_all(self) -> None:
        running = [
            (program, process)
            for program in self.programs
            if (process := program.process) is not None and process.poll() is None
        ]
        for program, process in running:
            self.note(program, f"停止 {program.name}（pid {process.pid}）")
            # Only the program itself: a worker shuts its own pool down (and returns unfinished tasks to the
            # broker); what is left of the group afterwards is swept.
            try:
                os.kill(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.options.stop_timeout
        for program, process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.alarm(program, f"{program.name} 在 {self.options.stop_timeout:g} 秒内未退出，强制结束")
            self.sweep_group(program)
            process.wait()

    def request_stop(self, signum, frame) -> None:
        self.stopping = True

    # --- main loop ------------------------------------------------------------------------
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        for program in self.programs:
            self.start(program)
        while not self.stopping and self.gave_up is None:
            now = time.monotonic()
            for program in self.programs:
                if program.restart_at is not None:
                    if now >= program.restart_at:
                        self.start(program)
                    continue
                if program.process is None:  # not reached: every program was started above
                    continue
                returncode = program.process.poll()
                if returncode is not None:
                    self.on_exit(program, returncode)
                    if self.gave_up:
                        break
            time.sleep(self.options.poll_interval)
        self.stop_all()
        return 1 if self.gave_up else 0


def parse_program(spec: str, log_dir: Path) -> Program:
    name, sep, command = spec.partition("=")
    if not sep or not name.isidentifier() or not command.strip():
        raise argparse.ArgumentTypeError(f"程序应写作 名称=命令，而不是 {spec!r}")
    return Program(name=name, argv=shlex.split(command), log_path=log_dir / f"{name}.log")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="启动并看护 web、worker、beat：进程退出即重启并大声报告。")
    parser.add_argument("programs", nargs="+", metavar="NAME=COMMAND")
    parser.add_argument("--log-dir", type=Path, default=Path("var/log"))
    parser.add_argument("--min-uptime", type=float, default=10.0, help="运行不到这么多秒即退出算一次快速失败")
    parser.add_argument("--max-quick-failures", type=int, default=5, help="连续快速失败这么多次即放弃")
    parser.add_argument("--backoff", type=float, default=1.0, help="第一次重启前的等待（秒），之后每次翻倍")
    parser.add_argument("--backoff-max", type=float, default=30.0)
    parser.add_argument("--stop-timeout", type=float, default=10.0, help="停止时等待各进程退出的秒数")
    parser.add_argument("--poll-interval", type=float, default=0.2)
    options = parser.parse_args(argv)
    options.log_dir.mkdir(parents=True, exist_ok=True)
    try:
        programs = [parse_program(spec, options.log_dir) for spec in options.programs]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return Supervisor(programs, options).run()


if __name__ == "__main__":
    sys.exit(main())

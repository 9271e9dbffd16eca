"""scripts/supervise.py keeps the embedded default's processes alive (issue 10 §1): a killed process is
restarted and the restart is written loudly to its log and the console; logs are appended, never overwritten;
a program that keeps dying is given up loudly and everything stops. Dummy programs stand in for web, worker and
beat. The waits are short bounded polls on real processes (process supervision, not domain time)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

SUPERVISE = Path(__file__).resolve().parent.parent / "scripts" / "supervise.py"
SLEEPER = f"{sys.executable} -c 'import time; time.sleep(60)'"
FAILING = f"{sys.executable} -c 'import sys; print(\"配置错误\"); sys.exit(3)'"


def supervise(log_dir, *programs, **options):
    flags = {"backoff": 0.05, "min_uptime": 1, "max_quick_failures": 3, "poll_interval": 0.05, "stop_timeout": 3}
    flags.update(options)
    argv = [sys.executable, str(SUPERVISE), "--log-dir", str(log_dir)]
    for name, value in flags.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return subprocess.Popen(argv + list(programs), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def started_pids(log_path):
    text = log_path.read_text(encoding="utf-8") if log_path.exists() else ""
    return [int(pid) for pid in re.findall(r"启动 \w+，pid (\d+)", text)]


def alive(pid):
    """Running (a killed orphan may linger as a zombie until something reaps it: that is not alive)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_killed_process_is_restarted_and_the_restart_is_reported_loudly(tmp_path):
    (tmp_path / "worker.log").write_text("上一次运行的日志\n", encoding="utf-8")
    supervisor = supervise(tmp_path, f"worker={SLEEPER}", f"beat={SLEEPER}")
    try:
        (first_worker,) = wait_for(lambda: started_pids(tmp_path / "worker.log"))
        (beat,) = wait_for(lambda: started_pids(tmp_path / "beat.log"))

        os.kill(first_worker, signal.SIGKILL)

        pids = wait_for(lambda: (p := started_pids(tmp_path / "worker.log")) and len(p) == 2 and p)
        second_worker = pids[1]
        assert second_worker != first_worker and alive(second_worker)
        assert started_pids(tmp_path / "beat.log") == [beat] and alive(beat)  # the others are left alone
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, console = supervisor.communicate(timeout=5)

    assert supervisor.returncode == 0
    worker_log = (tmp_path / "worker.log").read_text(encoding="utf-8")
    assert worker_log.startswith("上一次运行的日志\n")  # appended, not overwritten
    assert f"!!! supervise: worker（pid {first_worker}）意外被信号 SIGKILL 终止" in worker_log
    assert "第 1 次重启" in worker_log
    assert f"worker（pid {first_worker}）意外被信号 SIGKILL 终止" in console
    assert "worker" in (tmp_path / "supervise.log").read_text(encoding="utf-8")
    # SIGTERM stopped every program.
    wait_for(lambda: not alive(second_worker) and not alive(beat))


def test_what_a_killed_program_had_forked_is_swept_before_the_restart(tmp_path):
    # Like the worker's pool processes when the worker's main process is killed with -9.
    forking = (
        f"{sys.executable} -c 'import os, time; child = os.fork(); "
        f'child or print("pool child", os.getpid(), flush=True); time.sleep(60)\''
    )
    supervisor = supervise(tmp_path, f"worker={forking}")
    try:
        log = tmp_path / "worker.log"
        (first,) = wait_for(lambda: started_pids(log))
        (child,) = wait_for(lambda: [int(p) for p in re.findall(r"pool child (\d+)", log.read_text(encoding="utf-8"))])
        assert alive(child)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log)) == 2)
        wait_for(lambda: not alive(child))
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.communicate(timeout=5)


def test_a_program_that_keeps_dying_is_given_up_loudly_and_everything_stops(tmp_path):
    supervisor = supervise(tmp_path, f"worker={FAILING}", f"web={SLEEPER}")
    try:
        _, console = supervisor.communicate(timeout=8)
    finally:
        supervisor.kill()

    assert supervisor.returncode == 1
    assert "已连续 3 次启动后不到 1 秒即退出，放弃重启并停止全部进程" in console
    worker_log = (tmp_path / "worker.log").read_text(encoding="utf-8")
    assert worker_log.splitlines().count("配置错误") == 3  # each attempt's own output is kept
    assert "退出码 3" in worker_log
    (web,) = started_pids(tmp_path / "web.log")
    wait_for(lambda: not alive(web))


def test_a_program_that_ran_a_while_before_dying_is_not_counted_as_a_quick_failure(tmp_path):
    # Each run lives past --min-uptime, so the supervisor keeps restarting it instead of giving up.
    short_lived = f"{sys.executable} -c 'import time; time.sleep(0.3)'"
    supervisor = supervise(tmp_path, f"beat={short_lived}", min_uptime=0.2, max_quick_failures=1)
    try:
        wait_for(lambda: len(started_pids(tmp_path / "beat.log")) >= 4)
        assert supervisor.poll() is None
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.communicate(timeout=5)
    assert supervisor.returncode == 0


def test_a_supervisor_killed_outright_takes_its_programs_with_it(tmp_path):
    """kill -9 of the supervisor leaves no web, worker or beat running unsupervised (Linux parent-death signal)."""
    supervisor = supervise(tmp_path, f"worker={SLEEPER}")
    try:
        (worker,) = wait_for(lambda: started_pids(tmp_path / "worker.log"))
        assert alive(worker)
        supervisor.kill()
        supervisor.wait(timeout=5)
        wait_for(lambda: not alive(worker))
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

"""The read guard (issue 11 §1): every read a user can reach goes through the visibility selectors, so a
confidential (敏感) incident or another unit's ticket cannot slip out of a view, the API, a task or a report by a
query written next to the code that shows it. This test fails the build, naming file:line, when a module outside
the list below reads `Incident.objects`, `Ticket.objects` or `Deadline.objects`.

Allowed without a reader: `X.objects.none()` (an empty queryset, e.g. a DRF view's schema placeholder) and a
correlated subquery, a `X.objects…` chain holding an `OuterRef(…)`: it only narrows or annotates an outer
queryset that already came from a selector, and returns no rows of its own."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = {"Incident", "Ticket", "Deadline"}
SKIPPED_DIRS = {
    ".venv",
    ".venv-tools",
    "tests",
    "migrations",
    "bench",
    "node_modules",
    "var",
    ".git",
}  # tests/bench: not shipped

# Each module allowed to read the managers directly, and why.
ALLOWED = {
    # The model layer and the two read/write layers the standards name.
    "incidents/models.py": "the models",
    "deadlines/models.py": "the models",
    "incidents/selectors.py": "reads, applying visibility (visible_*) or named county-wide (county_*)",
    "deadlines/selectors.py": "reads of the deadline engine, applying visibility (visible_deadlines)",
    "incidents/services/intake.py": "writes (报送): the external-number check of an idempotent intake",
    "incidents/services/tickets.py": "writes (转办, 认领): permission, change, audit in one transaction",
    "incidents/services/replies.py": "writes (回应稿): the locked incident of a draft the actor already sees",
    "deadlines/services.py": "writes (延期): the locked deadline of a request the actor already sees",
    "deadlines/scheduling.py": "the deadline engine's writes, called by services inside their transaction",
    "deadlines/sweep.py": "the timed checks' writes under row locks; their notices gated per recipient by notify()",
    "incidents/notices.py": "notices written by services inside the write; notify() gates each recipient's text",
    "review/selectors.py": "舆情日志: the tickets of a unit the reader may read (log_units), 敏感 titles masked",
    # Ops tools, run by an operator on the server, never reachable by a user.
    "demo/incidents.py": "loads the demo county",
    "demo/history.py": "loads the demo county's week of history (idempotent by external id)",
    "demo/management/commands/render_samples.py": "renders docs/samples from demo data",
}


def _is_manager_read(node):
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "objects"
        and isinstance(node.value, ast.Name)
        and node.value.id in MODELS
    )


def _allowed_use(chain):
    """`chain` is the outermost expression built on the manager (X.objects.filter(...).order_by(...))."""
    names = {n.func.id for n in ast.walk(chain) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    if "OuterRef" in names:
        return True
    return (
        isinstance(chain, ast.Call)
        and isinstance(chain.func, ast.Attribute)
        and chain.func.attr == "none"
        and _is_manager_read(chain.func.value)
    )


def _chains(tree):
    """Each manager read with the largest expression chained on it (attribute access and calls)."""
    parents = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    for node in ast.walk(tree):
        if not _is_manager_read(node):
            continue
        chain = node
        while isinstance(parents.get(chain), (ast.Attribute, ast.Call)) and (
            isinstance(parents[chain], ast.Attribute) or parents[chain].func is chain
        ):
            chain = parents[chain]
        yield node, chain


def offending_reads(root=ROOT, allowed=ALLOWED):
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or relative.as_posix() in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, chain in _chains(tree):
            if not _allowed_use(chain):
                found.append(f"{relative.as_posix()}:{node.lineno}: {node.value.id}.objects")
    return found


def test_no_view_api_task_or_report_reads_the_managers_directly():
    offenders = offending_reads()
    assert not offenders, (
        "Read through a selector that applies visibility (incidents.selectors / deadlines.selectors), "
        "or add the module to ALLOWED with the reason:\n" + "\n".join(offenders)
    )


def test_the_guard_catches_a_direct_read(tmp_path):
    """The guard can fail: a view reading Incident.objects is reported with its file and line; a correlated
    subquery and .none() are not."""
    app = tmp_path / "incidents"
    app.mkdir()
    (app / "views.py").write_text(
        "from django.db.models import Exists, OuterRef\n"
        "def desk(request, qs):\n"
        "    placeholder = Ticket.objects.none()\n"
        "    narrowed = qs.filter(Exists(Ticket.objects.filter(incident=OuterRef('pk'))))\n"
        "    return Incident.objects.filter(status='reported').count()\n",
        encoding="utf-8",
    )
    assert offending_reads(tmp_path, allowed={}) == ["incidents/views.py:5: Incident.objects"]


def test_every_allowed_module_exists():
    """A renamed or removed module must leave the list, so the list never allows more than it says."""
    assert [m for m in ALLOWED if not (ROOT / m).exists()] == []

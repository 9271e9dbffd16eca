"""No function-local import of the project's own code (issue 12): with the layers of docs/ARCHITECTURE.md held by
import-linter, an import inside a function could only hide a cycle. Allowed: AppConfig.ready(), which Django runs
once the models are loaded (registering audit labels, connecting signal receivers)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {
    "core",
    "org",
    "workcalendar",
    "incidents",
    "deadlines",
    "notifications",
    "reporting",
    "cockpit",
    "monitoring",
    "demo",
    "accounts",
    "ops",
    "yuqing",
}
SKIPPED_DIRS = {"migrations", "tests", "bench", ".venv", "var"}


def _project_module(node):
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in PROJECT
    return isinstance(node, ast.Import) and any(alias.name.split(".")[0] in PROJECT for alias in node.names)


def local_imports():
    found = []
    for package in sorted(PROJECT):
        for path in sorted((ROOT / package).rglob("*.py")):
            if SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                continue
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if function.name == "ready" and path.name == "apps.py":
                    continue
                for node in ast.walk(function):
                    if _project_module(node):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_function_local_import_of_project_code():
    assert local_imports() == []

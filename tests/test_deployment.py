"""The deployment files name what exists: the compose stack's commands are real entry points of
this code, its settings are real settings, and the image holds every package (no Docker runs
here, so this is what can be checked of them)."""

from __future__ import annotations

import importlib
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

from api.__main__ import parser
from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_service_runs_a_real_entry_point() -> None:
    commands = {name: spec.get("command") for name, spec in services().items() if "build" in spec}
    assert set(commands) == {"migrate", "api", "worker"}
    for name, command in commands.items():
        match command:
            case ["python", "-m", "api", *args]:
                parser().parse_args(args)  # exits on an unknown command
            case ["uvicorn", target, *_]:
                module, attribute = target.split(":")
                assert hasattr(importlib.import_module(module), attribute), name
            case ["arq", target]:
                module, _, attribute = target.rpartition(".")
                assert hasattr(importlib.import_module(module), attribute), name
            case _:
                raise AssertionError(f"{name}: {command}")


def test_every_variable_the_stack_sets_is_a_setting() -> None:
    names = {field.upper() for field in Settings.model_fields}
    for spec in services().values():
        for variable in spec.get("environment") or {}:
            if "build" in spec:
                assert variable in names, variable


def test_the_image_holds_every_package_the_project_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {
        source
        for line in DOCKERFILE.read_text().splitlines()
        if re.match(r"COPY (?!--)", line)
        for source in shlex.split(line)[1:-1]
    }
    assert packages | {"pyproject.toml", "README.md", "LICENSE"} <= copied

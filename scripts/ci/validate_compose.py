"""Validate Compose files against the vendored Compose Specification JSON schema.

Usage: python scripts/ci/validate_compose.py FILE [FILE ...]
Exit status 0 when every file is valid, 1 otherwise (one line per problem).

Compose's YAML tags `!reset` and `!override` (used by docker-compose.tls.yml) are accepted and
read as their plain value. Needs the `jsonschema` and `pyyaml` packages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "tests" / "deploy" / "fixtures" / "compose-spec.json"


class ComposeLoader(yaml.SafeLoader):
    """Safe YAML loader that also understands Compose's merge-control tags."""


def _plain(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


for _tag in ("!reset", "!override"):
    ComposeLoader.add_constructor(_tag, _plain)


def load_compose(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=ComposeLoader)  # noqa: S506 - a SafeLoader subclass


def problems(path: Path, schema: dict[str, object]) -> list[str]:
    import jsonschema  # imported here so the loader above is usable without it

    try:
        document = load_compose(path)
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: cannot read: {exc}"]
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        found.append(f"{path}: {where}: {error.message}")
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    failed = False
    for name in argv:
        found = problems(Path(name), schema)
        for line in found:
            print(line)
        print(f"{name}: {'INVALID' if found else 'valid'} against the Compose Specification schema")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

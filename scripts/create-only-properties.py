#!/usr/bin/env python3
"""Writes test/support/create-only-properties.json: the create-only properties of every resource type the
platform may emit, read from the CloudFormation resource schemas that cfn-lint bundles for a region.

The upgrade-safety test reads the JSON (it runs with Node only); `.ci/run` re-runs this script with
--check so the table cannot drift from the schemas.

Usage: python3 scripts/create-only-properties.py [--region eu-west-1] [--check]
"""
import argparse
import glob
import importlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "test", "support", "create-only-properties.json")


def schemas_for(region: str) -> dict:
    module = importlib.import_module(f"cfnlint.data.schemas.providers.{region.replace('-', '_')}")
    base = os.path.join(os.path.dirname(module.__file__), "..", "resources")
    return {t: os.path.join(base, f"{h}.json") for t, h in module.types.items()}


def emitted_types() -> set:
    """Every resource type in the templates of the last synth, plus the ones already in the table."""
    types = set()
    for path in glob.glob(os.path.join(ROOT, ".ci", "out", "**", "*.template.json"), recursive=True) + glob.glob(
        os.path.join(ROOT, "cdk.out", "**", "*.template.json"), recursive=True
    ):
        with open(path) as f:
            types.update(r["Type"] for r in json.load(f).get("Resources", {}).values())
    if os.path.exists(TARGET):
        with open(TARGET) as f:
            types.update(json.load(f)["types"].keys())
    return types


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--check", action="store_true", help="fail if the checked-in table differs")
    args = parser.parse_args()
    schemas = schemas_for(args.region)
    table = {}
    for resource_type in sorted(emitted_types()):
        path = schemas.get(resource_type)
        if path is None:  # custom resources and AWS::CDK::Metadata have no schema and no create-only properties
            table[resource_type] = []
            continue
        with open(path) as f:
            schema = json.load(f)
        table[resource_type] = sorted(p.replace("/properties/", "", 1) for p in schema.get("createOnlyProperties", []))
    content = json.dumps({"region": args.region, "types": table}, indent=2) + "\n"
    if args.check:
        with open(TARGET) as f:
            if f.read() != content:
                print(f"{TARGET} is stale: run python3 scripts/create-only-properties.py", file=sys.stderr)
                return 1
        print(f"create-only property table matches the cfn-lint schemas for {len(table)} types")
        return 0
    with open(TARGET, "w") as f:
        f.write(content)
    print(f"wrote {len(table)} types to {os.path.relpath(TARGET, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

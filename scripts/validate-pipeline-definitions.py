#!/usr/bin/env python3
"""Validates every SageMaker pipeline definition in synthesized templates against the public JSON Schema of
pipeline definitions (DESIGN.md section 7).

It reads the `PipelineDefinition.PipelineDefinitionBody` of every `AWS::SageMaker::Pipeline` in the
`*.template.json` files under a folder. A body that CDK rendered with tokens is an `Fn::Join`: its string parts are
joined with a placeholder for each intrinsic (`TOKEN` inside a JSON string, `0` elsewhere) so that the JSON parses.

The schema (April 2025) predates parts of the format that the SageMaker Python SDK emits and SageMaker accepts, so
it is extended in memory, never on disk (see `extend_schema`).

Usage:
  python3 scripts/validate-pipeline-definitions.py [FOLDER] [--schema PATH] [--file DEFINITION.json ...]

FOLDER defaults to cdk.out; with --file only the given definition files are validated, unless a FOLDER is given
too. Prints `N pipeline definitions valid`, or each error with the pipeline and the schema path, and exits 1.
Needs the `jsonschema` package (cfn-lint brings it).
"""
import argparse
import copy
import glob
import json
import os
import sys

from jsonschema import Draft7Validator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEMA = os.path.join(ROOT, "..", "shared", "schemas", "sagemaker-pipeline-definition.schema.json")

PIPELINE_TYPE = "AWS::SageMaker::Pipeline"
EXCEPTION_TYPES = [
    "Step.SERVICE_FAULT",
    "Step.THROTTLING",
    "SageMaker.JOB_INTERNAL_ERROR",
    "SageMaker.CAPACITY_ERROR",
    "SageMaker.RESOURCE_LIMIT",
    "Emr.RESOURCE_LIMIT",
]
STEP_DEFINITIONS = [
    "ConditionStep",
    "TrainingStep",
    "ProcessingStep",
    "TransformStep",
    "CreateModelStep",
    "RegisterModelStep",
    "LambdaStep",
    "CallbackStep",
    "TuningStep",
    "ClarifyCheckStep",
    "QualityCheckStep",
    "EMRStep",
    "FailStep",
    "AutoMLStep",
    "EndpointStep",
    "EndpointConfigStep",
]


def ref(name: str) -> dict:
    return {"$ref": f"#/definitions/{name}"}


def closed(properties: dict, required=()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def extend_schema(schema: dict) -> dict:
    """A copy of the schema that also accepts what SageMaker Pipelines accepts and the platform's builder emits."""
    schema = copy.deepcopy(schema)
    definitions = schema["definitions"]
    string = {"type": "string"}
    file_source = closed({"ContentType": ref("StringArgumentValue"), "ContentDigest": ref("StringArgumentValue"),
                          "S3Uri": ref("StringArgumentValue")}, ["S3Uri"])

    # 1. Functions. `GetFunction` is what every argument value refers to; it becomes "Get, Std:Join or Std:JsonGet".
    #    The schema's own JoinFunction is unreachable and unsatisfiable (its `additionalProperties: false` sits beside
    #    `Values` without `properties`), so Std:Join is redefined with `On` and `Values`.
    definitions["GetExpression"] = definitions["GetFunction"]
    definitions["JsonGetFunction"] = closed(
        {"Std:JsonGet": closed({"PropertyFile": ref("GetExpression"), "Path": string}, ["PropertyFile", "Path"])},
        ["Std:JsonGet"],
    )
    definitions["JoinFunction"] = closed(
        {
            "Std:Join": closed(
                {
                    "On": string,
                    "Values": {
                        "type": "array",
                        "items": {"anyOf": [{"type": ["string", "number", "boolean"]}, ref("GetFunction")]},
                    },
                },
                ["Values"],
            )
        },
        ["Std:Join"],
    )
    definitions["GetFunction"] = {"anyOf": [ref("GetExpression"), ref("JoinFunction"), ref("JsonGetFunction")]}

    # 2. Property files on processing steps (read by Std:JsonGet).
    definitions["ProcessingStep"]["properties"]["PropertyFiles"] = {
        "type": "array",
        "items": closed({"PropertyFileName": string, "OutputName": string, "FilePath": string},
                        ["PropertyFileName", "OutputName", "FilePath"]),
    }

    # 3. RegisterModel: the approval status and drift check baselines of CreateModelPackage.
    register = definitions["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    register["ModelApprovalStatus"] = {"anyOf": [{"enum": ["Approved", "Rejected", "PendingManualApproval"]},
                                                 ref("GetFunction")]}
    metrics = closed({"Statistics": file_source, "Constraints": file_source})
    register["DriftCheckBaselines"] = closed({
        "Bias": closed({"ConfigFile": file_source, "PreTrainingConstraints": file_source,
                        "PostTrainingConstraints": file_source}),
        "Explainability": closed({"Constraints": file_source, "ConfigFile": file_source}),
        "ModelQuality": metrics,
        "ModelDataQuality": metrics,
    })

    # 4. A model's ModelDataUrl is usually a training step's property, not only a literal S3 URI.
    container = definitions["ContainerDefinition"]["properties"]
    container["ModelDataUrl"] = {"anyOf": [container["ModelDataUrl"], ref("GetFunction")]}

    # 5. A registered container's Environment (CreateModelPackage has it): the serving container of the feature
    #    transform needs SAGEMAKER_PROGRAM to know which module to load.
    registered = register["InferenceSpecification"]["properties"]["Containers"]["items"]["properties"]
    registered["Environment"] = {"type": "object", "additionalProperties": ref("StringArgumentValue")}

    # 6. A training job's own entrypoint and arguments (CreateTrainingJob's AlgorithmSpecification has had
    #    ContainerEntrypoint and ContainerArguments since 2023): a scikit-learn model's Train step runs its train.py.
    algorithm = definitions["TrainingStep"]["properties"]["Arguments"]["properties"]["AlgorithmSpecification"]
    for field in ("ContainerEntrypoint", "ContainerArguments"):
        algorithm["properties"][field] = {"type": "array", "items": ref("StringArgumentValue")}

    # 7. A registered version's CustomerMetadataProperties (CreateModelPackage has had them since 2021; the SDK's
    #    RegisterModel step passes its customer_metadata_properties there): the SHA-256 of the tarballs it serves.
    register["CustomerMetadataProperties"] = {"type": "object", "additionalProperties": ref("StringArgumentValue")}

    # 8. A registered version's package-level model card (CreateModelPackage has had ModelCard since 2023; the SDK's
    #    RegisterModel step passes its model_card there): the content is a JSON string, joined at run time from the
    #    evaluation; the status is one of the four a model card has.
    register["ModelCard"] = closed({
        "ModelCardContent": ref("StringArgumentValue"),
        "ModelCardStatus": {"anyOf": [{"enum": ["Draft", "PendingReview", "Approved", "Archived"]}, ref("GetFunction")]},
    })
    return schema


def is_inside_string(text: str) -> bool:
    """Whether the end of a JSON text prefix is inside a string literal."""
    inside = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = inside
        elif char == '"':
            inside = not inside
    return inside


def body_text(body) -> str:
    """The JSON text of a PipelineDefinitionBody: a string, or an Fn::Join of strings and intrinsics."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict) and set(body) == {"Fn::Join"}:
        separator, parts = body["Fn::Join"]
        text = ""
        for i, part in enumerate(parts):
            if i > 0:
                text += separator
            text += part if isinstance(part, str) else ("TOKEN" if is_inside_string(text) else "0")
        return text
    raise ValueError(f"unsupported PipelineDefinitionBody {json.dumps(body)[:200]}")


def definitions_in_templates(folder: str):
    """(label, definition text) of every pipeline in the templates under folder."""
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.template.json"), recursive=True)):
        with open(path, encoding="utf-8") as file:
            template = json.load(file)
        for logical_id, resource in sorted((template.get("Resources") or {}).items()):
            if resource.get("Type") != PIPELINE_TYPE:
                continue
            label = f"{os.path.relpath(path)} {logical_id}"
            definition = (resource.get("Properties") or {}).get("PipelineDefinition") or {}
            if "PipelineDefinitionBody" not in definition:
                yield label, None
            else:
                yield label, body_text(definition["PipelineDefinitionBody"])


def is_other_kind(errors) -> bool:
    """Whether a oneOf/anyOf branch failed because the value is of another kind (another step Type, a string
    where an object is expected), rather than because of a mistake in a value of its kind."""
    for error in errors:
        path = list(error.relative_path)
        if error.validator in ("enum", "const") and path == ["Type"]:
            return True
        if error.validator == "type" and not path:
            return True
    return False


def leaf_errors(error) -> list:
    """The errors that explain a oneOf/anyOf failure: those of the closest branch, recursively."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    candidates = [subs for subs in branches.values() if not is_other_kind(subs)] or list(branches.values())
    closest = min(candidates, key=len)
    return [leaf for sub in closest for leaf in leaf_errors(sub)]


def step_of(document, error) -> str:
    """`step "Name" ` of the innermost step an error is in, or nothing."""
    name, node = None, document
    for part in error.absolute_path:
        node = node[part] if isinstance(node, (dict, list)) else None
        if isinstance(node, dict) and isinstance(node.get("Name"), str) and "Arguments" in node:
            name = node["Name"]
    return f'step "{name}" ' if name else ""


def validate(validator: Draft7Validator, label: str, text) -> list:
    if text is None:
        return [f"{label}: no PipelineDefinitionBody (definitions in S3 are not checked)"]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"{label}: the definition is not JSON: {error}"]
    errors = []
    leaves = [leaf for error in validator.iter_errors(document) for leaf in leaf_errors(error)]
    for error in sorted(leaves, key=lambda e: [str(part) for part in e.absolute_path]):
        path = "/".join(str(part) for part in error.absolute_path) or "(root)"
        schema_path = "/".join(str(part) for part in error.absolute_schema_path)
        errors.append(f"{label}: {step_of(document, error)}at {path}: {error.message[:300]} (schema path {schema_path})")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help="folder of *.template.json files (default: cdk.out)")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="the pipeline definition JSON Schema")
    parser.add_argument("--file", action="append", default=[], help="a definition JSON file to validate")
    args = parser.parse_args()

    with open(args.schema, encoding="utf-8") as file:
        schema = extend_schema(json.load(file))
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema)

    found = []
    for path in args.file:
        with open(path, encoding="utf-8") as file:
            found.append((path, file.read()))
    if args.folder or not args.file:
        folder = args.folder or os.path.join(ROOT, "cdk.out")
        if not os.path.isdir(folder):
            print(f"no such folder: {folder}", file=sys.stderr)
            return 1
        found.extend(definitions_in_templates(folder))

    errors = [error for label, text in found for error in validate(validator, label, text)]
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} errors in {len(found)} pipeline definitions", file=sys.stderr)
        return 1
    print(f"{len(found)} pipeline definitions valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Plumbing shared by the two web-service families (App Runner and ECS Express Mode).

Not public API: the image-source rules (a repository with a tag or a digest, or a public
image), and kind checks for aws-cdk-lib interfaces, which jsii's Python protocols cannot
answer with `isinstance`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from cdk_containers._validation import Problems, describe, is_token

__all__ = [
    "MEMBERS",
    "ImageSource",
    "as_repository",
    "check_environment",
    "check_image_source",
    "check_object",
    "local_repository",
]

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: The attributes an object must have to stand for an aws-cdk-lib interface (jsii's Python
#: interfaces are protocols that are not runtime-checkable, so `isinstance` cannot say).
MEMBERS: Mapping[str, tuple[str, ...]] = {
    "ecr.IRepository": ("repository_arn", "repository_name", "repository_uri_for_tag"),
    "iam.IRole": ("role_arn", "grant_principal", "add_to_principal_policy"),
    "ec2.IVpc": ("vpc_id", "select_subnets"),
    "ec2.ISecurityGroup": ("security_group_id", "connections"),
    "kms.IKey": ("key_arn", "grant_encrypt_decrypt"),
    "ecs.ICluster": ("cluster_arn", "cluster_name", "vpc"),
    "logs.ILogGroup": ("log_group_arn", "log_group_name"),
    "apprunner.IVpcConnector": ("vpc_connector_arn", "connections"),
}


def _has(value: Any, members: tuple[str, ...]) -> bool:
    if value is None or isinstance(value, (str, bytes, int, float, Mapping, list, tuple)):
        return False
    return all(hasattr(value, member) for member in members)


def check_object(problems: Problems, argument: str, value: Any, kind: str, *, optional: bool = True) -> bool:
    """Record a problem unless `value` implements the aws-cdk-lib interface `kind`.

    `kind` is a key of `MEMBERS` such as `"iam.IRole"`. A string (an ARN, say) is
    refused with a hint to import the object first.
    """
    if value is None:
        if optional:
            return True
        problems.add(argument, value, f"a value is required ({kind})")
        return False
    if _has(value, MEMBERS[kind]):
        return True
    hint = ""
    if isinstance(value, str):
        hint = (
            "; pass the object (import an existing one with its class's from_* method), not its ARN or name"
        )
    problems.add(argument, value, f"expected {kind}, got {describe(value)}{hint}")
    return False


@dataclass(frozen=True)
class ImageSource:
    """What the image arguments resolved to: a private repository and its reference, or a URI."""

    repository: ecr.IRepository | None
    reference: str | None
    public_image: str | None


def as_repository(value: Any) -> ecr.IRepository | None:
    """The ECR repository behind `value`: itself, or its `.repository` (a `ContainerRepository`)."""
    if _has(value, MEMBERS["ecr.IRepository"]):
        return value  # type: ignore[no-any-return]
    inner = getattr(value, "repository", None) if value is not None and not isinstance(value, str) else None
    if _has(inner, MEMBERS["ecr.IRepository"]):
        return inner
    return None


def check_image_source(
    problems: Problems,
    *,
    repository: Any,
    tag: Any,
    digest: Any,
    public_image: Any,
    public_rule: str,
    public_pattern: str,
) -> ImageSource:
    """Check the image arguments; return the source they describe.

    Args:
        problems: Where problems are recorded.
        repository: A repository (any `ecr.IRepository`, or anything with a `.repository`).
        tag: An image tag in `repository`.
        digest: An image digest (`sha256:` and 64 hex digits) in `repository`.
        public_image: A public image URI instead of a repository.
        public_rule: What a public image must look like, for the message.
        public_pattern: A regular expression a public image URI must match.
    """
    resolved = None
    if repository is not None:
        resolved = as_repository(repository)
        if resolved is None:
            problems.add(
                "repository",
                repository,
                f"expected an ecr.IRepository or a ContainerRepository, got {describe(repository)}"
                + ("; a public image URI goes in public_image" if isinstance(repository, str) else ""),
            )
    if (repository is None) == (public_image is None):
        problems.add(
            "repository/public_image",
            (repository is not None, public_image),
            "exactly one: a private ECR repository or a public image URI",
        )
    if tag is not None and digest is not None:
        problems.add("tag/digest", (tag, digest), "a tag or a digest, not both")
    if tag is not None and problems.check_str("tag", tag):
        problems.check(bool(_TAG.match(tag)), "tag", tag, "an ECR tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
    if digest is not None and problems.check_str("digest", digest):
        problems.check(bool(_DIGEST.match(digest)), "digest", digest, "'sha256:' and 64 lowercase hex digits")
    if public_image is not None and problems.check_str("public_image", public_image):
        problems.check(
            bool(re.match(public_pattern, public_image)), "public_image", public_image, public_rule
        )
        if tag is not None or digest is not None:
            problems.add("tag/digest", (tag, digest), "none with public_image (put the tag in the URI)")
    if public_image is not None:
        return ImageSource(repository=None, reference=None, public_image=str(public_image))
    reference = digest if isinstance(digest, str) else tag if isinstance(tag, str) else "latest"
    return ImageSource(repository=resolved, reference=reference, public_image=None)


def check_environment(
    problems: Problems,
    argument: str,
    value: Any,
    *,
    reserved_prefix: str | None = None,
    values: type | tuple[type, ...] = str,
) -> None:
    """Check a mapping of environment variable names to values (plain strings by default)."""
    if not problems.check_mapping(argument, value, values):
        return
    for name in value or {}:
        if is_token(name):
            continue
        if not _ENV_NAME.match(name):
            problems.add(
                f"{argument} key",
                name,
                "an environment variable name: letters, digits and '_', not starting with a digit",
            )
        elif reserved_prefix and name.startswith(reserved_prefix):
            problems.add(
                f"{argument} key", name, f"a name that does not start with {reserved_prefix} (reserved)"
            )


def local_repository(scope: Construct, repository: ecr.IRepository) -> ecr.IRepository:
    """The repository as seen from `scope`'s stack.

    A repository from another stack of the same environment is re-imported by name: its
    URI is then built from this stack's account and region and the referenced name, instead
    of `Fn::Split` over the other stack's exported ARN; cfn-lint rejects `Fn::GetStackOutput`
    inside `Fn::Split` (E1022), and the name-based ARN is identical.
    """
    here, there = Stack.of(scope), Stack.of(repository)
    if here is there or here.account != there.account or here.region != there.region:
        return repository
    return ecr.Repository.from_repository_name(scope, "SourceRepository", repository.repository_name)

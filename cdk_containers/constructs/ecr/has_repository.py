"""`HasRepository`: the protocol for anything that carries an ECR repository."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_ecr as ecr

__all__ = ["HasRepository"]


@runtime_checkable
class HasRepository(Protocol):
    """Anything that carries an ECR repository as `.repository`, such as `ContainerRepository`.

    `ContainerRepository` is an `ecr.IRepository` itself now; this protocol stays for code
    typed `ecr.IRepository | HasRepository`.
    """

    @property
    def repository(self) -> ecr.IRepository:
        """The ECR repository."""
        ...

"""An AWS Backup plan for a driver's file system: a retained vault with a customer key, daily backups."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services
from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems
from cdk_containers.constructs.storage._common import check_interface

__all__ = ["StorageBackupOptions"]

_DEFAULT_RETENTION_DAYS = 35


@dataclass(frozen=True, kw_only=True)
class StorageBackupOptions:
    """Daily AWS Backup of a driver's file system into a vault encrypted with a customer key.

    Example:
        EfsCsiDriver(self, "Efs", cluster=eks_cluster,
                     backup=StorageBackupOptions(retention=Duration.days(90), encryption_key=key))

    Attributes:
        retention: How long each daily recovery point is kept, whole days from 1. Defaults to
            `Duration.days(35)`.
        encryption_key: Customer-managed key of the new vault. Defaults to a new key with rotation
            on, retained with the vault.
        vault: An existing vault to back up into (its own key applies). Defaults to a new vault,
            retained when it leaves the stack, so recovery points outlive the stack.
    """

    retention: Duration | None = None
    encryption_key: kms.IKey | None = None
    vault: backup.IBackupVault | None = None

    def _check(self, problems: Problems, argument: str) -> None:
        if self.retention is not None and problems.check_type(
            f"{argument}.retention", self.retention, Duration, allowed="a Duration"
        ):
            days = self.retention.to_days(integral=False)
            problems.check(
                days == int(days) and days >= 1,
                f"{argument}.retention",
                f"Duration.days({days:g})",
                "whole days, at least 1",
            )
        check_interface(problems, f"{argument}.encryption_key", self.encryption_key, kms.IKey, "key_arn")
        check_interface(problems, f"{argument}.vault", self.vault, backup.IBackupVault, "backup_vault_arn")
        if self.vault is not None and self.encryption_key is not None:
            problems.add(f"{argument}.encryption_key", "a key", "only for a new vault (vault is given)")


def check_backup(problems: Problems, options: object) -> None:
    """Record the problems of a driver's `backup` argument."""
    if options is not None and problems.check_type(
        "backup", options, StorageBackupOptions, allowed="a StorageBackupOptions or None"
    ):
        assert isinstance(options, StorageBackupOptions)
        options._check(problems, "backup")


def backup_plan(
    scope: Construct, resource: backup.BackupResource, options: StorageBackupOptions, *, what: str
) -> backup.BackupPlan:
    """The vault (new unless given), a daily plan and the selection of `resource`, under `scope`."""
    vault = options.vault
    if vault is None:
        key = options.encryption_key or limit_grants_to_aws_services(
            kms.Key(
                scope,
                "BackupKey",
                description=f"Encrypts the AWS Backup vault of {what}",
                enable_key_rotation=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
        )
        vault = backup.BackupVault(
            scope, "BackupVault", encryption_key=key, removal_policy=RemovalPolicy.RETAIN
        )
    retention = options.retention or Duration.days(_DEFAULT_RETENTION_DAYS)
    plan = backup.BackupPlan(scope, "BackupPlan", backup_vault=vault)
    plan.add_rule(
        backup.BackupPlanRule(
            rule_name="Daily",
            schedule_expression=events.Schedule.cron(hour="5", minute="0"),
            delete_after=retention,
        )
    )
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "BackupRole",
        description=f"AWS Backup of {what}",
        # Only AWS Backup acting for this account (confused-deputy condition).
        assumed_by=iam.ServicePrincipal(
            "backup.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
        ),
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSBackupServiceRolePolicyForBackup")
        ],
    )
    plan.add_selection("Selection", resources=[resource], role=role)
    acknowledge_inline_policies(role)
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
            reason="AWS Backup assumes this role only to back up the one selected file system; AWS "
            "maintains the policy with the backup APIs of every service, and the role is trusted by "
            "backup.amazonaws.com alone",
        )
    )
    return plan

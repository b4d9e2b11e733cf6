"""AWS Backup of EFS and FSx for ONTAP, and the ONTAP admin secrets' customer key (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from cdk_containers.constructs.eks import EksCluster
from cdk_containers.constructs.storage import EfsCsiDriver, FsxOntapCsiDriver, StorageBackupOptions
from tests.constructs.test_storage_common import logical_id, storage_stack
from tests.support import resources_of_type


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    stack, cluster = storage_stack()
    key = kms.Key(stack, "DataKey", enable_key_rotation=True)
    EfsCsiDriver(stack, "Efs", cluster=cluster, backup=StorageBackupOptions(retention=Duration.days(90)))
    FsxOntapCsiDriver(
        stack, "Ontap", cluster=cluster, encryption_key=key, backup=StorageBackupOptions(encryption_key=key)
    )
    return Template.from_stack(stack).to_json()


def test_each_backed_up_file_system_gets_a_retained_vault_encrypted_with_a_customer_key(
    template: dict[str, Any],
) -> None:
    efs_vault = template["Resources"][logical_id(template, "AWS::Backup::BackupVault", "Efs/BackupVault")]
    efs_key = logical_id(template, "AWS::KMS::Key", "Efs/BackupKey")
    assert efs_vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [efs_key, "Arn"]}
    assert template["Resources"][efs_key]["Properties"]["EnableKeyRotation"] is True
    ontap_vault = template["Resources"][logical_id(template, "AWS::Backup::BackupVault", "Ontap/BackupVault")]
    data_key = logical_id(template, "AWS::KMS::Key", "DataKey")
    assert ontap_vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [data_key, "Arn"]}
    for vault in (efs_vault, ontap_vault):
        assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_plans_keep_daily_backups_for_the_retention_asked_for(template: dict[str, Any]) -> None:
    plans = resources_of_type(template, "AWS::Backup::BackupPlan")
    lifecycles = {
        key: plan["Properties"]["BackupPlan"]["BackupPlanRule"][0]["Lifecycle"]["DeleteAfterDays"]
        for key, plan in plans.items()
    }
    assert lifecycles == {
        logical_id(template, "AWS::Backup::BackupPlan", "Efs/BackupPlan"): 90,
        logical_id(template, "AWS::Backup::BackupPlan", "Ontap/BackupPlan"): 35,
    }
    rule = next(iter(plans.values()))["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"


def test_the_selections_name_the_efs_file_system_and_every_ontap_volume(template: dict[str, Any]) -> None:
    selections = [
        s["Properties"]["BackupSelection"]
        for s in resources_of_type(template, "AWS::Backup::BackupSelection").values()
    ]
    rendered = str([s["Resources"] for s in selections])
    assert logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem") in rendered
    ontap = logical_id(template, "AWS::FSx::FileSystem", "Ontap/FileSystem")
    assert f"{{'Ref': '{ontap}'}}, '/*'" in rendered
    assert ":volume/" in rendered


def test_a_backed_up_efs_file_system_leaves_efs_automatic_backups_off(template: dict[str, Any]) -> None:
    efs = template["Resources"][logical_id(template, "AWS::EFS::FileSystem", "Efs/FileSystem")]
    # CloudFormation creates EFS file systems without automatic backups unless BackupPolicy says so.
    assert efs["Properties"].get("BackupPolicy", {"Status": "DISABLED"}) == {"Status": "DISABLED"}


def test_ontap_admin_secrets_use_the_customer_key_and_trident_may_decrypt_only_through_secrets_manager(
    template: dict[str, Any],
) -> None:
    key = logical_id(template, "AWS::KMS::Key", "DataKey")
    for secret in ("Ontap/AdminSecret", "Ontap/SvmAdminSecret"):
        properties = template["Resources"][logical_id(template, "AWS::SecretsManager::Secret", secret)][
            "Properties"
        ]
        assert properties["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    Template.from_json(template).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "kms:Decrypt",
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [key, "Arn"]},
                            "Condition": {"StringEquals": {"kms:ViaService": Match.any_value()}},
                        }
                    ]
                )
            }
        },
    )


@pytest.fixture(scope="module")
def cluster() -> EksCluster:
    return storage_stack()[1]


@pytest.mark.parametrize(
    ("backup", "message"),
    [
        ("daily", r"backup='daily' is invalid: a StorageBackupOptions or None"),
        (
            StorageBackupOptions(retention=Duration.hours(36)),
            r"backup.retention='Duration.days\(1.5\)' is invalid: whole days",
        ),
        (StorageBackupOptions(retention=35), r"backup.retention=35 is invalid: a Duration"),  # type: ignore[arg-type]
        (
            StorageBackupOptions(encryption_key="alias/backup"),
            r"backup.encryption_key='alias/backup' is invalid: expected aws_kms.IKey",
        ),  # type: ignore[arg-type]
    ],
)
def test_bad_backup_options_are_refused(cluster: EksCluster, backup: Any, message: str) -> None:
    with pytest.raises(ValueError, match=r"EfsCsiDriver 'Storage/Bad': " + message):
        EfsCsiDriver(cluster.node.scope, "Bad", cluster=cluster, backup=backup)
